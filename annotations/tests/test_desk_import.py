"""Issue 14, finding 8: the desk import speaks the desk's language: a publisher picker, the form
kept on failure, a link to every imported story."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article, Source
from articles.tests.makers import make_source
from articles.tests.makers import post_import

HTMX = {"HX-Request": "true"}
TEXT = b"Kim arrives\nKim Jong Un arrived in Vladivostok."


def upload(name: str = "kim.txt", content: bytes = TEXT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_the_publisher_is_picked_from_the_known_publishers_never_typed(editor_client, db):
    kabar = make_source(name="Kabar Nusantara")
    make_source(name="An unnamed official", kind=Source.Kind.ANONYMOUS)
    page = editor_client.get(reverse("desk:import")).content.decode()
    assert "--source" not in page and "<select" in page and "Kabar Nusantara" in page
    assert "An unnamed official" not in page
    response = post_import(editor_client, {"file": upload(), "format": "auto", "source": str(kabar.pk)})
    assert response.status_code == 200
    assert Article.objects.get().publisher == kabar
    assert Source.objects.count() == 2  # no source named after the id was made


def test_a_forged_publisher_id_is_refused_and_nothing_is_stored(editor_client, db):
    unnamed = make_source(name="An unnamed official", kind=Source.Kind.ANONYMOUS)
    for forged in [str(unnamed.pk), "999999", "Kabar", "٣"]:
        response = post_import(editor_client, {"file": upload(), "format": "auto", "source": forged})
        assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert not Article.objects.exists()


def test_the_report_links_to_every_imported_story(editor_client, db):
    lines = b"".join(
        b'{"title": "Story %d", "body": "Kim Jong Un arrived, part %d.", "publisher": {"name": "Kabar"}}\n' % (n, n)
        for n in range(3))
    response = post_import(editor_client, {"file": upload("s.jsonl", lines), "format": "auto"},
                                  headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "3 imported" in page
    for story in Article.objects.all():
        assert f'<a href="{reverse("desk:article", args=[story.pk])}">{story.title}</a>' in page


def test_an_htmx_upload_gets_the_report_alone_so_the_chosen_file_stays_in_the_form(editor_client, db, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = post_import(editor_client, {"file": upload(), "format": "text"}, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 413
    assert page.lstrip().startswith('<div id="import-report">') and 'type="file"' not in page
    assert "files of up to 10 bytes" in page
    assert not Article.objects.exists()


def test_a_failed_plain_upload_names_the_file_to_choose_again_and_keeps_every_other_field(editor_client, db, settings):
    kabar = make_source(name="Kabar Nusantara")
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = post_import(editor_client, {"file": upload("kim.txt"), "format": "text",
                                                           "source": str(kabar.pk)})
    page = response.content.decode()
    assert response.status_code == 413
    assert "Nothing of “kim.txt” was stored" in page and "choose “kim.txt” again" in page
    assert f'<option value="{kabar.pk}" selected>' in page
    assert '<option value="text" selected>' in page

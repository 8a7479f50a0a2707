"""Issue 16: the import and export reports speak the reader's language: the desk's reader's, or
the one the environment of the command names (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), written
when each message is made; in English as before."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from articles.importing import Report, import_paths
from articles.management.commands.import_articles import Command as ImportCommand
from articles.models import Article
from newsdesk.languages import from_environment
from articles.tests.makers import post_import

# A record with 21 problems (title, body and 19 mentions that are not objects): the report
# lists 20 and counts the one left over.
TWENTY_ONE_PROBLEMS = json.dumps({"title": 1, "body": 1, "mentions": [1] * 19})
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def story(n: int, **extra) -> str:
    return json.dumps({"title": f"Story {n}", "body": f"Body of story {n}.", "url": f"https://news.example/{n}",
                       "language": "en", "publisher": {"name": "Kabar Timur", "kind": "publication"}} | extra)


def mixed_file(tmp_path: Path) -> tuple[Path, int]:
    """A good story, a line too long (1,000 bytes is the limit), a line that is not JSON, and a
    record with 21 problems; and the long line's length in bytes."""
    long_line = story(2, body="x" * 1500)
    path = tmp_path / "berita.jsonl"
    path.write_text("\n".join([story(1), long_line, "{not json", TWENTY_ONE_PROBLEMS]) + "\n", encoding="utf-8")
    return path, len(long_line.encode()) + 1  # with its newline, as the importer counts it


@pytest.fixture(autouse=True)
def language_restored():
    """A request in Indonesian leaves its language active in this thread (the middleware
    activates each request's own): the tests after these must find the language they had."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate_all()


@pytest.fixture
def environment(monkeypatch):
    """The locale variables of the test's environment, all unset; set the ones a test names."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_to(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_to


def test_an_import_in_indonesian_reports_every_problem_and_the_summary_in_indonesian(tmp_path, db, settings):
    settings.IMPORT_MAX_ITEM_BYTES = 1000
    path, size = mixed_file(tmp_path)
    with translation.override("id"):
        report = import_paths([path])
        summary = report.summary()
        large = Report(imported=1234, duplicates=5678, failed=1).summary()
    assert (report.imported, report.failed) == (1, 3)
    long_line, not_json, many = report.messages
    assert long_line == f"berita.jsonl, baris 2: panjang baris ini 1.{size - 1000:03} byte; batasnya 1.000"
    assert not_json.startswith("berita.jsonl, baris 3: bukan JSON yang sah (")
    assert many.startswith("berita.jsonl, baris 4: title harus berupa teks, tetapi berisi 1; "
                           "body harus berupa teks, tetapi berisi 1; mentions[0] harus berupa objek, tetapi berisi 1")
    assert many.endswith("; dan 1 masalah lain")
    english = ("the line is", "bytes long", "the limit is", "not valid JSON", "must be", "got 1", "more problem",
               ", line ")
    assert not any(words in message for message in report.messages for words in english)
    assert summary == "1 diimpor, 0 dilewati karena duplikat, 0 berubah di sumber asal (disimpan sebagai versi baru), 3 gagal"
    assert large == "1.234 diimpor, 5.678 dilewati karena duplikat, 0 berubah di sumber asal (disimpan sebagai versi baru), 1 gagal"


def test_the_same_import_in_english_says_what_it_always_said_with_one_problem_left_over_in_the_singular(
        tmp_path, db, settings):
    settings.IMPORT_MAX_ITEM_BYTES = 1000
    path, size = mixed_file(tmp_path)
    with translation.override("en"):
        report = import_paths([path])
        summary = report.summary()
        large = Report(imported=1234, failed=1).summary()
    long_line, not_json, many = report.messages
    assert long_line == f"berita.jsonl, line 2: the line is 1,{size - 1000:03} bytes long; the limit is 1,000"
    assert not_json == ("berita.jsonl, line 3: not valid JSON "
                        "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1))")
    assert many.startswith("berita.jsonl, line 4: title must be text, got 1; body must be text, got 1; "
                           "mentions[0] must be an object, got 1")
    assert many.endswith("; mentions[17] must be an object, got 1; and 1 more problem")
    assert summary == "1 imported, 0 skipped as duplicates, 0 changed upstream (kept as new versions), 3 failed"
    assert large == "1,234 imported, 0 skipped as duplicates, 0 changed upstream (kept as new versions), 1 failed"


def test_a_parallel_import_reports_in_the_language_of_its_caller_in_the_order_of_the_file(tmp_path, transactional_db):
    lines = [story(n) for n in range(8)]
    lines[2], lines[5], lines[6] = "{broken", TWENTY_ONE_PROBLEMS, '"a string"'
    path = tmp_path / "paralel.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with translation.override("id"):
        report = import_paths([path], jobs=2)
    assert (report.imported, report.failed) == (5, 3), report.messages
    assert [message.split(":")[0] for message in report.messages] == [
        "paralel.jsonl, baris 3", "paralel.jsonl, baris 6", "paralel.jsonl, baris 7"]
    assert "bukan JSON yang sah" in report.messages[0] and report.messages[1].endswith("; dan 1 masalah lain")
    assert report.messages[2] == "paralel.jsonl, baris 7: sebuah berita harus berupa objek JSON, bukan str"


def test_the_import_command_speaks_the_language_of_its_environment(tmp_path, db, environment):
    path = tmp_path / "berita.jsonl"
    path.write_text(story(1) + "\n{broken\n", encoding="utf-8")
    environment(LANG="id_ID.UTF-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_articles", str(path), "--quiet", stdout=out, stderr=err)
    assert re.fullmatch(r"1 diimpor, 0 dilewati karena duplikat, 0 berubah di sumber asal \(disimpan sebagai versi baru\), "
                        r"1 gagal dalam \d+,\d detik\.\n", out.getvalue())
    assert err.getvalue().startswith("berita.jsonl, baris 2: bukan JSON yang sah (")
    assert str(error.value) == "1 butir gagal; lihat pesan di atas"
    assert translation.get_language() == "en", "the command leaves the language it found"

    environment(LANG="C")
    path.write_text(story(2) + "\n{broken\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with translation.override("id"), pytest.raises(CommandError) as error:  # the environment decides, not the caller
        call_command("import_articles", str(path), "--quiet", stdout=out, stderr=err)
    assert re.fullmatch(r"1 imported, 0 skipped as duplicates, 0 changed upstream \(kept as new versions\), "
                        r"1 failed in \d+\.\d s\.\n", out.getvalue())
    assert err.getvalue().startswith("berita.jsonl, line 2: not valid JSON (")
    assert str(error.value) == "1 item failed; see the messages above"


def test_the_export_command_and_the_import_commands_help_speak_the_language_of_the_environment(
        tmp_path, db, environment):
    environment(LANG="id_ID.UTF-8")
    out = io.StringIO()
    call_command("export_articles", str(tmp_path / "semua.jsonl"), stdout=out)
    assert out.getvalue() == f"0 berita ditulis ke {tmp_path / 'semua.jsonl'}.\n"
    help_text = ImportCommand().create_parser("manage.py", "import_articles").format_help()
    assert "Impor berita dari berkas JSON Lines" in help_text and "terbitkan setiap berita yang diimpor" in help_text
    with pytest.raises(CommandError, match="^berkas tidak ditemukan: tidak-ada.jsonl$"):
        call_command("import_articles", "tidak-ada.jsonl")

    environment(LANG="en_GB.UTF-8")
    out = io.StringIO()
    call_command("export_articles", str(tmp_path / "all.jsonl"), stdout=out)
    assert out.getvalue() == f"0 stories written to {tmp_path / 'all.jsonl'}.\n"
    help_text = ImportCommand().create_parser("manage.py", "import_articles").format_help()
    assert "Import stories from JSON Lines" in help_text


@pytest.mark.parametrize("variables, language", [
    ({"LANG": "id_ID.UTF-8"}, "id"),
    ({"LANG": "id"}, "id"),
    ({"LANG": "en_GB"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANGUAGE": "id:en", "LANG": "C"}, "id"),
    ({"LANGUAGE": "fr:id", "LANG": "en_US.UTF-8"}, "id"),
    ({"LANGUAGE": "fr", "LANG": "id_ID.UTF-8"}, "en"),
    ({"LC_ALL": "C", "LANG": "id_ID.UTF-8"}, "en"),
    ({"LC_ALL": "id_ID.UTF-8", "LC_MESSAGES": "C", "LANG": "C"}, "id"),
    ({"LC_MESSAGES": "id_ID@latin", "LANG": "C"}, "id"),
    ({"LANGUAGE": "", "LANG": "id_ID.UTF-8"}, "id"),
    ({"LANG": "Indonesian_Indonesia.1252"}, "en"),
])
def test_the_environment_names_the_language_in_gettexts_order(variables, language, environment):
    assert from_environment(variables) == language
    environment(**variables)
    assert from_environment() == language


def test_the_desk_import_reports_in_the_readers_language(editor_client, db):
    upload = SimpleUploadedFile("kim.txt", b"Only a title", content_type="text/plain")
    response = post_import(editor_client, {"file": upload, "format": "auto"},
                                  headers={"Accept-Language": "id"})
    page = response.content.decode()
    assert "kim.txt: berkas teks memerlukan judul di baris pertama dan beritanya di bawahnya" in page
    assert "title on its first line" not in page and not Article.objects.exists()


def test_the_desk_writes_the_upload_limits_as_the_readers_language_writes_numbers(editor_client, db, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES, settings.IMPORT_MAX_UPLOAD_STORIES = 1000, 2000
    upload = SimpleUploadedFile("besar.txt", b"A title\n" + b"x" * 1500, content_type="text/plain")
    response = post_import(editor_client, {"file": upload, "format": "auto"},
                                  headers={"Accept-Language": "id"})
    page = response.content.decode()
    assert response.status_code == 413
    assert "Ukuran berkas ini 1.508 byte; di sini dapat diunggah berkas hingga 1.000 byte (dan hingga 2.000 berita)" in page
    assert "Berkas berisi hingga 2.000 berita dan 1.000 byte diimpor di latar belakang" in page

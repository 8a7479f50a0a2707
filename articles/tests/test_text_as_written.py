"""Issue 14, finding 2: a story's paragraphs as written, and feed titles as feed readers show them."""

import html
import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles.importing import import_paths
from articles.models import Article, Source
from articles.tests.makers import post_import

ONE_PER_LINE = (
    "Kim Jong Un akan bertemu Putin\n"
    "Kim Jong Un akan bertemu Vladimir Putin bulan depan, kata Kremlin.\n"
    "Pertemuan itu akan berlangsung di Vladivostok.\n"
    "Seorang pejabat yang tidak disebutkan namanya mengatakan rencana itu sudah lama disiapkan.\n"
)
PARAGRAPHS_ONE_PER_LINE = [
    "Kim Jong Un akan bertemu Vladimir Putin bulan depan, kata Kremlin.",
    "Pertemuan itu akan berlangsung di Vladivostok.",
    "Seorang pejabat yang tidak disebutkan namanya mengatakan rencana itu sudah lama disiapkan.",
]
WRAPPED = (
    "Kim to meet Putin\n"
    "\n"
    "Kim Jong Un will meet Vladimir Putin\n"
    "next month, the Kremlin said.\n"
    "\n"
    "The meeting will take place\n"
    "in Vladivostok.\n"
)
PARAGRAPHS_WRAPPED = [
    "Kim Jong Un will meet Vladimir Putin next month, the Kremlin said.",
    "The meeting will take place in Vladivostok.",
]


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def desk_source() -> Source:
    return Source.objects.create(name="Desk", kind="publication")


def public_paragraphs(client, article: Article) -> list[str]:
    """The paragraphs a reader sees: the public story body (white-space: pre-wrap) split at blank lines."""
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()  # a text file has no date
    article.save()
    page = client.get(article.get_absolute_url()).content.decode()
    body = re.search(r"<div class=\"story-body public-body\"[^>]*>(.*?)</div>", page, re.S).group(1)
    text = html.unescape(re.sub(r"<[^>]+>", "", body))
    return [p for p in text.split("\n\n") if p.strip()]


def test_a_text_file_with_one_paragraph_per_line_keeps_each_line_a_paragraph(tmp_path, db, client):
    report = import_paths([write(tmp_path, "kim.txt", ONE_PER_LINE)], source=desk_source())
    assert report.imported == 1, report.messages
    article = Article.objects.get()
    assert article.title == "Kim Jong Un akan bertemu Putin"
    assert article.body.split("\n\n") == PARAGRAPHS_ONE_PER_LINE
    assert public_paragraphs(client, article) == PARAGRAPHS_ONE_PER_LINE


def test_a_blank_line_after_the_title_only_does_not_make_the_story_one_paragraph(tmp_path, db):
    text = ONE_PER_LINE.replace("\n", "\n\n", 1).replace("\n", "\r\n")
    assert import_paths([write(tmp_path, "kim.txt", text)], source=desk_source()).imported == 1
    assert Article.objects.get().body.split("\n\n") == PARAGRAPHS_ONE_PER_LINE


def test_a_text_file_with_blank_lines_joins_the_wrapped_lines_of_each_paragraph(tmp_path, db, client):
    report = import_paths([write(tmp_path, "kim.txt", WRAPPED)], source=desk_source())
    assert report.imported == 1, report.messages
    article = Article.objects.get()
    assert article.title == "Kim to meet Putin"
    assert article.body.split("\n\n") == PARAGRAPHS_WRAPPED
    assert public_paragraphs(client, article) == PARAGRAPHS_WRAPPED


def test_the_desk_upload_keeps_the_paragraphs_as_written(editor_client, db):
    source = desk_source()
    for name, content, paragraphs in [("one.txt", ONE_PER_LINE, PARAGRAPHS_ONE_PER_LINE),
                                      ("wrapped.txt", WRAPPED, PARAGRAPHS_WRAPPED)]:
        upload = SimpleUploadedFile(name, content.encode(), content_type="text/plain")
        response = post_import(editor_client, {"file": upload, "format": "auto",
                                                               "source": str(source.pk)})
        assert response.status_code == 200
        assert "1 imported" in response.content.decode()
        assert Article.objects.get(title=content.partition("\n")[0]).body.split("\n\n") == paragraphs


def rss(title: bytes) -> bytes:
    return (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Kabar</title><item><title>' + title
            + b"</title><link>https://kabar.example/kim</link><description>Kim arrived.</description></item></channel></rss>")


def atom(title: bytes, kind: bytes) -> bytes:
    return (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Kabar</title><entry>'
            b'<title type="' + kind + b'">' + title + b'</title><id>urn:kim</id>'
            b'<link href="https://kabar.example/kim"/><content type="html">Kim arrived.</content></entry></feed>')


def imported_title(tmp_path, data: bytes) -> str:
    path = tmp_path / "feed.xml"
    path.write_bytes(data)
    report = import_paths([path])
    assert report.imported == 1, report.messages
    title = Article.objects.get().title
    Article.objects.all().delete()
    return title


def test_feed_titles_with_markup_are_reduced_to_their_text(tmp_path, db):
    # Escaped once (as the example; feedparser already read these as HTML) ...
    assert imported_title(tmp_path, rss(b"Kim &lt;b&gt;meets&lt;/b&gt; Putin")) == "Kim meets Putin"
    assert imported_title(tmp_path, atom(b"Kim &lt;b&gt;meets&lt;/b&gt; Putin", b"html")) == "Kim meets Putin"
    # ... an RSS title escaped twice, as many feeds send, an Atom title of type text that holds
    # tags, and a tag feedparser does not know: the tags were kept as literal text.
    assert imported_title(tmp_path, rss(b"Kim &amp;lt;b&amp;gt;meets&amp;lt;/b&amp;gt; Putin")) == "Kim meets Putin"
    assert imported_title(tmp_path, atom(b"Kim &lt;b&gt;meets&lt;/b&gt; Putin", b"text")) == "Kim meets Putin"
    assert imported_title(tmp_path, rss(b"Kim &lt;custom&gt;meets&lt;/custom&gt; Putin")) == "Kim meets Putin"
    assert imported_title(tmp_path, rss(b"Kim &amp;amp; Putin")) == "Kim & Putin"


def test_feed_titles_without_markup_are_kept(tmp_path, db):
    assert imported_title(tmp_path, rss(b"Is 3 &lt; 4? Kim &amp; Putin say &lt;3")) == "Is 3 < 4? Kim & Putin say <3"
    assert imported_title(tmp_path, atom(b"a &lt; b &gt; c", b"text")) == "a < b > c"
    # In an Atom title declared html, what is escaped twice is meant as text (feedparser's corpus).
    assert imported_title(tmp_path, atom(b"History of the &amp;lt;blink&amp;gt; tag", b"html")) == "History of the <blink> tag"

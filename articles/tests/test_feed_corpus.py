"""feedparser's own test corpus through our importer: every file imports or is reported."""

import re
from pathlib import Path

from django.conf import settings

from articles.importing import canonical_url, html_to_text, import_paths
from articles.models import Article, Source

FEEDS = Path(settings.BASE_DIR).parent / "shared" / "testdata" / "feeds"
FOLDERS = ["wellformed", "illformed", "encoding", "entities", "docs-examples"]


def corpus() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (FEEDS / folder).rglob("*") if p.is_file())


def test_every_corpus_file_imports_or_is_reported_with_a_reason(db):
    files = corpus()
    assert len(files) > 2000
    fallback = Source.objects.create(name="Corpus", kind=Source.Kind.PUBLICATION)
    imported = reported = 0
    for path in files:
        report = import_paths([path], source=fallback)
        assert report.total >= 1, f"{path} produced no outcome"
        if report.failed:
            assert all(message.strip() for message in report.messages), path
            reported += 1
        else:
            imported += 1
    print(f"\n{imported} files imported, {reported} reported")
    assert imported > 300 and reported > 0
    markup = r"<(script|iframe|form|style|object|embed)\b|\son[a-z]+\s*="
    assert not Article.objects.filter(title__iregex=markup).exists()
    assert not Article.objects.filter(body__iregex=markup).exists()
    assert not Article.objects.filter(title__startswith="<?xml").exists(), "an XML file was read as plain text"


EXPECTATION = re.compile(r"entries\[0\]\['(title|link)'\] == u?'([^'\\]*)'\s*$")


def sample() -> list[tuple[Path, str, str]]:
    cases = []
    for path in sorted((FEEDS / "wellformed").rglob("*.xml")):
        header = path.read_bytes()[:2000].decode("utf-8", "replace")
        expect = re.search(r"Expect:\s*(.*)", header)
        if expect and "not bozo" in expect.group(1) and "entries[1]" not in expect.group(1):
            for key, value in EXPECTATION.findall(expect.group(1)):
                cases.append((path, key, value))
    return cases


def test_stored_stories_match_what_the_corpus_headers_expect(db):
    """Files whose header states the first entry's title or link: what we store says the same.
    An entry with neither title nor text cannot become a story and must be reported as such."""
    matched, reported = 0, 0
    for path, key, expected in sample():
        Article.objects.all().delete()
        report = import_paths([path], source=Source.objects.get_or_create(name="Corpus", kind="publication")[0])
        if report.failed:
            assert "neither a title nor any text" in report.messages[0], (path, report.messages)
            reported += 1
            continue
        article = Article.objects.order_by("pk").first()
        if key == "title":  # plain-text titles are kept as they are, HTML ones become their text
            assert article.title in (" ".join(expected.split()), " ".join(html_to_text(expected).split())), path
        else:
            assert article.url == canonical_url(expected), path
        matched += 1
    print(f"\n{matched} stories matched their header, {reported} entries had nothing to store")
    assert matched >= 40

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from annotations.models import Claim, ClaimAcrossStories, Entity, Mention, StoryLink
from articles.demo_newsroom import load_demo
from articles.exporting import export_lines
from articles.importing import canonical_text, canonical_url, import_paths
from articles.models import Article, Source

SHARED = Path(settings.BASE_DIR).parent / "shared" / "testdata"


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def story(n: int, **extra) -> str:
    record = {"title": f"Story {n}", "body": f"Body of story {n}.\n\nSecond paragraph.", "url": f"https://news.example/{n}",
              "language": "en", "publisher": {"name": "Kabar Timur", "kind": "publication", "country": "ID"}} | extra
    return json.dumps(record, ensure_ascii=False)


def test_json_lines_with_broken_empty_and_non_object_lines_imports_the_good_ones_once(tmp_path, db):
    lines = [story(1), "{not json", "", "[1, 2]", '"a string"', story(2), '{"title": "no body"}', story(3), "\x00\x01"]
    path = write(tmp_path, "stories.jsonl", "\n".join(lines) + "\n")
    report = import_paths([path])
    assert (report.imported, report.failed) == (3, 5)
    assert any("line 2: not valid JSON" in m for m in report.messages)
    assert any("line 4: a story must be a JSON object, not list" in m for m in report.messages)
    again = import_paths([path])
    assert (again.imported, again.duplicates) == (0, 3)
    assert Article.objects.count() == 3


def test_command_summarises_and_fails_when_an_item_failed(tmp_path, db, capsys):
    path = write(tmp_path, "stories.jsonl", story(1) + "\n{broken\n")
    with pytest.raises(CommandError) as error:
        call_command("import_articles", str(path), "--quiet")
    assert error.value.returncode == 1
    captured = capsys.readouterr()
    assert "1 imported, 0 skipped as duplicates, 0 changed upstream (kept as new versions), 1 failed" in captured.out
    assert "stories.jsonl, line 2: not valid JSON" in captured.err


def test_a_story_changed_upstream_is_reported_and_not_overwritten(tmp_path, db):
    import_paths([write(tmp_path, "a.jsonl", story(1))])
    report = import_paths([write(tmp_path, "b.jsonl", story(1, body="A corrected text."))])
    assert report.changed == 1 and "changed upstream" in report.messages[0]
    assert Article.objects.get().body.startswith("Body of story 1.")


def test_b5_canonical_urls_drop_tracking_and_fragments_and_refuse_javascript(db, tmp_path):
    assert canonical_url("HTTPS://News.Example/a?utm_source=x&id=3#top") == "https://news.example/a?id=3"
    import_paths([write(tmp_path, "a.jsonl", story(1, url="https://news.example/1?utm_campaign=x#c"))])
    report = import_paths([write(tmp_path, "b.jsonl", story(1))])
    assert report.duplicates == 1
    report = import_paths([write(tmp_path, "c.jsonl", story(9, url="javascript:alert(1)"))])
    assert report.imported == 1 and "not an http(s) URL" in report.messages[0]
    assert Article.objects.get(title="Story 9").url == ""


def test_canonical_text_has_paragraphs_folded_white_space_nfc_and_no_controls():
    assert canonical_text("  One\u00a0 line\r\nwraps.\n\n\n\tTwo\x00 e\u0301\ud83d  \n") == "One line wraps.\n\nTwo é"


def test_stories_without_url_are_recognised_by_their_text(tmp_path, db):
    path = write(tmp_path, "a.txt", "A title\nThe story itself, with no address.")
    assert import_paths([path], source=Source.objects.create(name="Desk", kind="publication")).imported == 1
    assert import_paths([path], source=Source.objects.first()).duplicates == 1


def test_plain_text_needs_a_title_and_a_body(tmp_path, db):
    report = import_paths([write(tmp_path, "a.txt", "Only a title")], source=Source.objects.create(name="D", kind="publication"))
    assert report.failed == 1 and "title on its first line" in report.messages[0]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.xml", b"", "the file is empty"),
        ("image.xml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("truncated.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>', "item 1"),
        ("latin1.txt", "Judul\nBeritä".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_files_are_reported_with_the_reason(tmp_path, db, name, content, reason):
    report = import_paths([write(tmp_path, name, content)], source=Source.objects.create(name="D", kind="publication"))
    assert report.failed == 1 and reason in report.messages[0] and Article.objects.count() == 0


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>
<rss version="2.0"><channel><title>Bomb</title><item><title>&e;</title><description>x</description></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>Leak</title><item><title>Stolen</title><description>&secret;</description></item></channel></rss>"""

HOSTILE_FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Kabar</title><item><title>Kim &lt;b&gt;arrives&lt;/b&gt;</title>
<link>https://kabar.example/kim?utm_source=rss</link>
<description>&lt;p&gt;Kim arrived.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;form action="/x"&gt;&lt;input name=a&gt;&lt;/form&gt;&lt;p onclick="x()"&gt;Second &lt;a href="javascript:x()"&gt;paragraph&lt;/a&gt;.&lt;/p&gt;</description>
</item><item><title>Good one</title><link>https://kabar.example/good</link><description>Fine text.</description></item></channel></rss>"""


def test_entity_bomb_and_external_entities_are_refused(tmp_path, db):
    for name, data in [("bomb.xml", BOMB), ("xxe.xml", XXE)]:
        report = import_paths([write(tmp_path, name, data)])
        assert report.failed == 1 and "declares XML entities" in report.messages[0]
    assert Article.objects.count() == 0


def test_feed_item_markup_is_stored_as_plain_text(tmp_path, db):
    report = import_paths([write(tmp_path, "feed.xml", HOSTILE_FEED)])
    assert report.imported == 2
    kim = Article.objects.get(url="https://kabar.example/kim")
    assert "<" not in kim.title + kim.body and "alert" not in kim.body and "onclick" not in kim.body
    assert kim.body.startswith("Kim arrived.") and "Second paragraph." in kim.body
    assert kim.publisher.name == "Kabar"


def test_round_trip_export_import_export_is_identical(db, tmp_path):
    load_demo()
    first = list(export_lines())
    path = write(tmp_path, "demo.jsonl", "\n".join(first) + "\n")
    for model in (Article, Entity, Source, ClaimAcrossStories):
        model.objects.all().delete()
    assert not Claim.objects.exists() and not Mention.objects.exists() and not StoryLink.objects.exists()
    report = import_paths([path])
    assert report.failed == 0, report.messages
    assert report.imported == 14
    assert list(export_lines()) == first
    # The train claim, told in four stories, came back as one claim with its four appearances.
    train = ClaimAcrossStories.objects.get(translations__language="en")
    assert train.appearances.count() == 4 and train.translations.count() == 3


def test_news_articles_import_with_their_language_detected(tmp_path, db):
    """All 180 articles of the parallel set, given without a language: each is detected right."""
    records = [json.loads(line) for line in (SHARED / "news" / "ntrex-news-4lang.jsonl").read_text().splitlines()]
    lines = [
        json.dumps({"title": record["headline"], "body": record["text"], "url": f"https://ntrex.example/{record['id']}",
                    "publisher": {"name": record["outlet"]}})
        for record in records
    ]
    report = import_paths([write(tmp_path, "news.jsonl", "\n".join(lines))])
    assert report.failed == 0, report.messages
    expected = {f"https://ntrex.example/{record['id']}": record["lang"] for record in records}
    wrong = [(a.url, a.language) for a in Article.objects.all() if a.language != expected[a.url]]
    assert len(expected) == 180 and wrong == []


def test_d4_two_processes_share_a_json_lines_file_and_import_each_story_once(tmp_path, transactional_db):
    load_demo()
    demo = list(export_lines())
    for model in (Article, Entity, Source):
        model.objects.all().delete()
    lines = demo + [story(n) for n in range(40)] + ["{broken", story(3)]  # story 3 twice: once is a duplicate
    path = write(tmp_path, "mixed.jsonl", "\n".join(lines) + "\n")
    report = import_paths([path], jobs=2)
    assert (report.imported, report.duplicates, report.failed) == (14 + 40, 1, 1), report.messages
    assert report.messages == [f"mixed.jsonl, line {len(demo) + 41}: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"]
    assert Article.objects.count() == 54 and Claim.objects.count() == 14 and StoryLink.objects.count() == 15
    assert ClaimAcrossStories.objects.with_appearances().count() == 11  # the train claim's four appearances are one
    exported = {json.loads(line)["url"]: line for line in export_lines()}
    assert all(exported[json.loads(line)["url"]] == line for line in demo), "the demo came through whole"


def test_an_oversized_line_is_reported_and_the_rest_imported(tmp_path, db, settings):
    settings.IMPORT_MAX_ITEM_BYTES = 400
    path = write(tmp_path, "big.jsonl", "\n".join([story(1), story(2, body="x" * 1000), story(3)]))
    report = import_paths([path])
    assert (report.imported, report.failed) == (2, 1)
    assert "line 2: the line is" in report.messages[0] and "the limit is 400" in report.messages[0]


def test_export_published_only_leaves_out_drafts_and_unpublished_annotations(db, tmp_path, capsys):
    load_demo()
    Claim.objects.filter(pk=Claim.objects.filter(article__status="published").first().pk).update(is_published=False)
    out = tmp_path / "public.jsonl"
    call_command("export_articles", str(out), "--published-only")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["status"] for r in records} == {"published"}
    assert len(records) == Article.objects.published().count()
    assert all(claim["published"] for r in records for claim in r["claims"])
    assert sum(len(r["claims"]) for r in records) == Claim.objects.published().count()


def annotated_story(n: int) -> str:
    body = f"Story {n}: Kim Jong Un met Putin in Vostochny, Yonhap reported.\n\nThe talks lasted {n} minutes."
    record = json.loads(story(n, body=body))
    record["mentions"] = [
        {"start": body.index("Kim Jong Un"), "end": body.index("Kim Jong Un") + 11, "exact": "Kim Jong Un",
         "entity": {"name": "Kim Jong Un", "kind": "person"}},
        {"start": body.index("Putin"), "end": body.index("Putin") + 5, "exact": "Putin",
         "entity": {"name": "Vladimir Putin", "kind": "person"}},
    ]
    talks = body.index("The talks")
    record["claims"] = [{
        "start": talks, "end": len(body), "exact": body[talks:], "statement": f"The talks lasted {n} minutes",
        "chain": [{"source": {"name": "Yonhap", "kind": "news_agency", "country": "KR"}, "role": "speaker",
                   "sourcing": "on_record"}],
        "evidence": [{"kind": "quote", "link": 0}],
        "history": [{"from": "unverified", "to": "reported", "reason": "Yonhap carries it", "evidence": None}],
    }]
    return json.dumps(record, ensure_ascii=False)


def test_e3_a_killed_import_leaves_no_partial_story_and_a_rerun_finishes_the_job(tmp_path, transactional_db):
    import os
    import signal
    import subprocess
    import sys
    import time

    from django.db import connection

    from articles.importing import database_url

    total = 800
    path = write(tmp_path, "big.jsonl", "\n".join(annotated_story(n) for n in range(total)) + "\n")
    env = os.environ | {"DATABASE_URL": database_url(connection.settings_dict), "DEBUG": "0"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_articles", str(path), "--quiet"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while Article.objects.count() < 150 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = Article.objects.count()
    assert 0 < stored < total, "the import was killed half-way"
    # Every story is all or nothing: none without its two mentions; no claim without its chain,
    # evidence and status history.
    assert Mention.objects.count() == 2 * stored
    for claim in Claim.objects.all():
        assert claim.attributions.count() == 1 and claim.evidence.count() == 1 and claim.history.count() == 1
        assert claim.status == "reported"
    # Running the same import again adds what is missing, and nothing twice.
    report = import_paths([path])
    assert report.failed == 0, report.messages
    assert report.imported + report.duplicates == total and report.duplicates == stored
    assert Article.objects.count() == total and Mention.objects.count() == 2 * total
    assert Claim.objects.count() == total and Claim.objects.filter(status="reported").count() == total
    assert Entity.objects.count() == 2 and Source.objects.filter(name="Yonhap").count() == 1


def claim_with_history(*steps: dict) -> str:
    body = "The Kremlin said the visit will take place in the coming days."
    claim = {"start": 18, "end": len(body) - 1, "exact": body[18:-1],
             "chain": [{"source": {"name": "Kremlin", "kind": "government"}}],
             "evidence": [{"kind": "quote", "link": 0}], "history": list(steps)}
    return story(1, body=body, claims=[claim], status="published", published_at="2026-11-30T10:00:00+00:00")


def test_an_old_files_reason_is_internal_and_a_public_explanation_is_kept_apart(tmp_path, db):
    old = claim_with_history({"to": "confirmed", "reason": "Spoke to the press office", "evidence": 0})
    import_paths([write(tmp_path, "old.jsonl", old)])
    change = Claim.objects.get().history.get()
    assert (change.reason, change.public_explanation) == ("Spoke to the press office", "")
    Article.objects.all().delete()
    new = claim_with_history({"to": "confirmed", "reason": "Press office", "public_explanation": "The Kremlin said so.",
                              "evidence": 0})
    import_paths([write(tmp_path, "new.jsonl", new)])
    change = Claim.objects.get().history.get()
    assert (change.reason, change.public_explanation) == ("Press office", "The Kremlin said so.")
    (record,) = [json.loads(line) for line in export_lines()]
    assert record["claims"][0]["history"][0]["reason"] == "Press office"
    (public,) = [json.loads(line) for line in export_lines(published_only=True)]
    assert "reason" not in public["claims"][0]["history"][0]
    assert public["claims"][0]["history"][0]["public_explanation"] == "The Kremlin said so."


def test_a_published_only_export_imports_again_with_a_stated_internal_reason(tmp_path, db):
    new = claim_with_history({"to": "confirmed", "reason": "Press office", "public_explanation": "Said so.", "evidence": 0})
    import_paths([write(tmp_path, "new.jsonl", new)])
    public = list(export_lines(published_only=True))
    Article.objects.all().delete()
    report = import_paths([write(tmp_path, "public.jsonl", "\n".join(public))])
    assert report.failed == 0, report.messages
    change = Claim.objects.get().history.get()
    assert change.public_explanation == "Said so." and change.reason.startswith("Imported;")
    neither = claim_with_history({"to": "confirmed", "evidence": 0})
    Article.objects.all().delete()
    report = import_paths([write(tmp_path, "neither.jsonl", neither)])
    assert report.failed == 1 and "history[0].reason" in report.messages[0]


def test_a_story_the_database_refuses_in_a_chunk_is_named_and_the_rest_of_the_chunk_stored_whole(tmp_path, db):
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:  # a rule only the database knows, broken by story 3 alone
        cursor.execute("ALTER TABLE articles_article ADD CONSTRAINT no_poison CHECK (title <> 'Story 3')")
    path = write(tmp_path, "stories.jsonl", "\n".join(story(n) for n in range(1, 6)) + "\n")
    report = import_paths([path])
    assert (report.imported, report.failed) == (4, 1)
    assert len(report.messages) == 1 and report.messages[0].startswith("stories.jsonl, line 3: the database refused the story")
    assert "no_poison" in report.messages[0]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Story 1", "Story 2", "Story 4", "Story 5"]
    history = apps.get_model("articles", "ArticleEvent").objects.filter(pgh_label="insert")
    assert sorted(history.values_list("title", flat=True)) == ["Story 1", "Story 2", "Story 4", "Story 5"]
    assert Source.objects.filter(name="Kabar Timur").count() == 1


def test_new_stories_are_stored_in_a_few_statements_not_one_each(tmp_path, db, django_assert_max_num_queries):
    path = write(tmp_path, "stories.jsonl", "\n".join(story(n) for n in range(1, 1201)) + "\n")
    with django_assert_max_num_queries(25):  # 3 chunks
        report = import_paths([path])
    assert report.imported == 1200 and Article.objects.count() == 1200
    assert len(report.stories) == 1200 and all(pk for pk, _ in report.stories)


def test_a_story_twice_in_one_chunk_is_stored_once_and_a_title_twice_gets_a_second_slug(tmp_path, db):
    lines = [story(1), story(2, title="Same title"), story(1), story(3, title="Same title"), story(4)]
    report = import_paths([write(tmp_path, "stories.jsonl", "\n".join(lines) + "\n")])
    assert (report.imported, report.duplicates, report.failed) == (4, 1, 0), report.messages
    slugs = dict(Article.objects.values_list("url", "slug"))
    assert slugs["https://news.example/2"] == "same-title" and slugs["https://news.example/3"] == "same-title-2"

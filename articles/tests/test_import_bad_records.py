"""Malformed JSON Lines records: each is reported by its line and reason, nothing of it is stored,
and the import always finishes with its report (issue 12)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.models import Attribution, Claim, Entity, Evidence, Mention, StoryLink
from articles.importing import import_paths
from articles.models import Article
from articles.tests.makers import post_import


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


BODY = "Kim Jong Un met Putin in Vostochny, Yonhap reported.\n\nThe talks lasted three hours."


def record(n: int, **extra) -> dict:
    """A good story: a mention, and a reported claim with its chain, evidence and history."""
    talks = BODY.index("The talks")
    return {
        "title": f"Story {n}", "body": BODY + f" ({n})", "url": f"https://news.example/{n}", "language": "en",
        "publisher": {"name": "Kabar Timur", "kind": "publication", "country": "ID"},
        "mentions": [{"start": 0, "end": 11, "exact": "Kim Jong Un",
                      "entity": {"name": "Kim Jong Un", "kind": "person", "wikidata_id": "Q56226"}}],
        "claims": [{
            "start": talks, "end": len(BODY), "exact": BODY[talks:], "statement": "The talks lasted three hours",
            "chain": [{"source": {"name": "Yonhap", "kind": "news_agency", "country": "KR"}, "role": "speaker",
                       "sourcing": "on_record"}],
            "evidence": [{"kind": "quote", "link": 0}],
            "history": [{"from": "unverified", "to": "reported", "reason": "Yonhap carries it", "evidence": 0,
                         "at": "2023-09-11T09:15:00+00:00"}],
        }],
    } | extra


def line(data) -> str:
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def with_mention(n: int, **changes) -> dict:
    story = record(n)
    story["mentions"][0] |= changes
    return story


def with_entity(n: int, **changes) -> dict:
    story = record(n)
    story["mentions"][0]["entity"] |= changes
    return story


def with_claim(n: int, **changes) -> dict:
    story = record(n)
    story["claims"][0] |= changes
    return story


def with_link(n: int, **changes) -> dict:
    story = record(n)
    story["claims"][0]["chain"][0] |= changes
    return story


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


# Each bad record, and the words its report line must hold: which field, and what is wrong with it.
BAD = [
    ("[" * 100_000, "nested more than"),
    (record(101, published_at="2023-02-30T10:00:00+00:00"), "published_at '2023-02-30T10:00:00+00:00' is not a real date"),
    (record(102, mentions=5), "mentions must be a list, got 5"),
    (with_mention(103, start="abc"), "mentions[0].start must be a whole number, got 'abc'"),
    (with_link(104, role="speaker" * 4), "claims[0].chain[0].role must be one of speaker, via, document, got 'speakerspeaker"),
    (with_entity(105, wikidata_id="Q" + "1" * 25), "mentions[0].entity.wikidata_id must be a Wikidata id such as Q42"),
    # The claim's quote is not the text at its offsets: the claim, and so the story, is refused.
    (with_claim(106, exact="The talks lasted four hours."), "claims[0]:"),
]


def mixed_file(tmp_path: Path) -> tuple[Path, dict[int, str]]:
    """Good stories 1-3, each bad record after one of them, and a story linked to one not here."""
    lines, expected = [line(record(1))], {}
    for n, (bad, reason) in enumerate(BAD):
        lines.append(line(bad))
        expected[len(lines)] = reason
        lines.append(line(record(200 + n)))
    lines.append(line(record(300, links=[{"kind": "same_event", "to_url": "https://elsewhere.example/unknown"}])))
    expected[len(lines)] = "links[0] points at 'https://elsewhere.example/unknown', which is not a story here"
    return write(tmp_path, "mixed.jsonl", "\n".join(lines) + "\n"), expected


GOOD = {1, 300} | {200 + n for n in range(len(BAD))}


def messages_for(text: str, expected: dict[int, str]) -> dict[int, str]:
    found = {}
    for number in expected:
        found[number] = "\n".join(m for m in text.splitlines() if m.startswith(f"mixed.jsonl, line {number}:"))
    return found


def test_every_good_story_of_a_file_full_of_malformed_records_is_imported_once_and_every_bad_one_reported(tmp_path, db, capsys):
    path, expected = mixed_file(tmp_path)
    with pytest.raises(CommandError) as error:
        call_command("import_articles", str(path), "--quiet")
    assert error.value.returncode == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    found = messages_for(captured.err, expected)
    assert all(expected[n] in found[n] for n in expected), {n: found[n] for n in expected if expected[n] not in found[n]}
    assert f"{len(GOOD)} imported" in captured.out and f"{len(BAD) + 1} failed" in captured.out
    assert sorted(Article.objects.values_list("url", flat=True)) == sorted(f"https://news.example/{n}" for n in GOOD)
    # Every good story came with its mention and its claim whole; the bad ones left nothing.
    assert Mention.objects.count() == Claim.objects.count() == Attribution.objects.count() == len(GOOD)
    assert set(Claim.objects.values_list("status", flat=True)) == {"reported"}
    assert Entity.objects.get().wikidata_id == "Q56226"
    # Again: nothing new, the same failures.
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), "--quiet")
    assert f"0 imported, {len(GOOD)} skipped as duplicates" in capsys.readouterr().out
    assert Article.objects.count() == len(GOOD) and Claim.objects.count() == len(GOOD)


def test_the_import_command_never_prints_a_traceback_on_malformed_records(tmp_path, transactional_db):
    from django.db import connection

    from articles.importing import database_url

    path, expected = mixed_file(tmp_path)
    env = os.environ | {"DATABASE_URL": database_url(connection.settings_dict), "DEBUG": "0"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(path), "--quiet"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    found = messages_for(done.stderr, expected)
    assert all(expected[n] in found[n] for n in expected), done.stderr
    assert Article.objects.count() == len(GOOD)


def test_a_story_whose_claim_breaks_a_rule_is_not_stored_at_all(tmp_path, db):
    # Confirmed on nothing: the history names no evidence.
    story = with_claim(1, history=[{"from": "unverified", "to": "confirmed", "reason": "We checked", "evidence": None}])
    report = import_paths([write(tmp_path, "rule.jsonl", line(story) + "\n" + line(record(2)) + "\n")])
    assert (report.imported, report.failed) == (1, 1), report.messages
    assert report.messages[0].startswith("rule.jsonl, line 1: claims[0]")
    assert "evidence" in report.messages[0]
    assert list(Article.objects.values_list("title", flat=True)) == ["Story 2"]
    assert Mention.objects.count() == 1 and Claim.objects.count() == 1 and Entity.objects.count() == 1


def test_one_unresolved_evidence_or_link_is_reported_and_the_rest_of_the_story_is_kept(tmp_path, db):
    first = record(1, links=[{"kind": "follow_up", "to_url": "https://news.example/2"},
                             {"kind": "cites", "to_url": "https://nowhere.example/x"}])
    cited = json.loads(json.dumps(first["claims"][0]))
    cited |= {"statement": "The talks lasted three hours, says Story 2",
              "evidence": [{"kind": "article", "url": "https://news.example/2"}],
              "history": [{"from": "unverified", "to": "confirmed", "reason": "Story 2 saw it", "evidence": 0}]}
    orphan = json.loads(json.dumps(cited)) | {"statement": "The talks lasted three hours, says nobody",
                                              "evidence": [{"kind": "article", "url": "https://nowhere.example/y"}]}
    first["claims"] += [cited, orphan]
    path = write(tmp_path, "later.jsonl", line(first) + "\n" + line(record(2)) + "\n")
    report = import_paths([path])
    assert report.imported == 2
    assert sorted(report.messages) == [
        "later.jsonl, line 1: claims[2] was not stored: its evidence[0] names 'https://nowhere.example/y', which is not a story here",
        "later.jsonl, line 1: links[1] points at 'https://nowhere.example/x', which is not a story here",
    ]
    story = Article.objects.get(url="https://news.example/1")
    assert story.claims.count() == 2 and story.mentions.count() == 1
    confirmed = story.claims.get(status="confirmed")
    assert Evidence.objects.get(claim=confirmed).article.url == "https://news.example/2"
    assert StoryLink.objects.get().to_article.url == "https://news.example/2"


@pytest.mark.parametrize(
    "bad, reason",
    [
        (record(1, body=5), "body must be text, got 5"),
        (record(1, title="x" * 501), "title is 501 characters long; the limit is 500"),
        (record(1, publisher={"name": "P" * 301, "kind": "publication"}), "publisher.name is 301 characters long; the limit is 300"),
        (record(1, publisher={"name": "P", "country": "IDN"}), "publisher.country must be a two-letter country code"),
        (with_mention(1, start=-3), "mentions[0].start must be 0 or more, got -3"),
        (with_mention(1, start=10**30), "mentions[0].start must be at most"),
        (with_mention(1, start=True), "mentions[0].start must be a whole number, got true"),
        (with_mention(1, start=11, end=11), "mentions[0] must end after it starts (11-11)"),
        (with_mention(1, start=1.5), "mentions[0].start must be a whole number, got 1.5"),
        (with_mention(1, published="no"), "mentions[0].published must be true or false, got 'no'"),
        (with_mention(1, entity={"name": "Kim", "kind": "person", "aliases": [{"name": "K", "language": "x" * 36}]}),
         "mentions[0].entity.aliases[0].language must be a BCP 47 tag"),
        (record(1, mentions=[with_mention(1)["mentions"][0]] * 3001), "mentions has 3,001 items; the limit is"),
        (with_claim(1, chain={"source": "Yonhap"}), "claims[0].chain must be a list, got an object"),
        (with_link(1, sourcing="rumour"), "claims[0].chain[0].sourcing must be one of on_record"),
        (with_claim(1, evidence=[{"kind": "hearsay"}]), "claims[0].evidence[0].kind must be one of quote, article, claim, url"),
        (with_claim(1, evidence=[{"kind": "quote", "link": 4}]), "claims[0].evidence[0].link must name a link of the chain"),
        (with_claim(1, history=[{"from": "reported", "to": "confirmed", "reason": "x", "evidence": 0}]),
         "claims[0].history[0].from is 'reported', but the claim is unverified there"),
        (with_claim(1, history=[{"to": "reported", "reason": "x", "at": "2023-13-01T00:00:00"}]),
         "claims[0].history[0].at '2023-13-01T00:00:00' is not a real date"),
        (with_claim(1, history=[{"to": "reported", "reason": " "}]), "claims[0].history[0].reason must not be blank"),
        (record(1, links=[{"kind": "same_event"}]), "links[0] needs to_url or to_hash"),
        (record(1, note=nested(40)), "nested more than"),
        ('{"title": "x", "body": "y", "n": ' + "1" * 5000 + "}", "not valid JSON"),
    ],
)
def test_a_malformed_record_is_reported_with_the_field_and_the_reason_and_nothing_of_it_stored(tmp_path, db, bad, reason):
    report = import_paths([write(tmp_path, "bad.jsonl", line(bad) + "\n" + line(record(2)) + "\n")])
    assert (report.imported, report.failed) == (1, 1), report.messages
    assert report.messages[0].startswith("bad.jsonl, line 1: ") and reason in report.messages[0], report.messages
    assert list(Article.objects.values_list("title", flat=True)) == ["Story 2"]
    assert Mention.objects.count() == 1 and Claim.objects.count() == 1


def test_nul_lone_surrogates_and_controls_in_names_are_cleaned_not_crashed_on(tmp_path, db):
    story = line(with_entity(1, name="Kim\x00 Jong\u0007 Un")).replace("Kim Jong Un\"", "Kim Jong Un\\ud800\"", 1)
    story = story.replace('"Yonhap"', '"Yon\\udfffhap\\u0000"')
    report = import_paths([write(tmp_path, "dirty.jsonl", story + "\n")])
    assert (report.imported, report.failed) == (1, 0), report.messages
    assert Entity.objects.get().name == "Kim Jong Un"
    assert Mention.objects.get().exact == "Kim Jong Un"
    assert Attribution.objects.get().source.name == "Yonhap"


def test_a_desk_upload_over_the_story_limit_is_refused_before_anything_is_stored(editor_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_UPLOAD_STORIES = 3
    page = editor_client.get(reverse("desk:import")).content.decode()
    assert "up to 3 stories" in page and f"{settings.IMPORT_MAX_UPLOAD_BYTES:,} bytes" in page
    lines = "\n".join(line(record(n)) for n in range(4)) + "\n"
    upload = SimpleUploadedFile("stories.jsonl", lines.encode(), content_type="application/x-ndjson")
    response = post_import(editor_client, {"file": upload, "format": "auto", "source": ""})
    assert response.status_code == 413
    assert "The file holds 4 stories; up to 3 stories" in response.content.decode()
    assert not Article.objects.exists()
    # Three stories, and blank lines, are within the limit.
    upload = SimpleUploadedFile("stories.jsonl", ("\n\n".join(line(record(n)) for n in range(3)) + "\n").encode())
    response = post_import(editor_client, {"file": upload, "format": "auto", "source": ""})
    assert response.status_code == 200 and Article.objects.count() == 3


def test_a_desk_upload_of_a_feed_over_the_story_limit_is_refused_by_its_items(editor_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_UPLOAD_STORIES = 2
    items = "".join(f"<item><title>T{n}</title><link>https://f.example/{n}</link><description>Text {n}.</description></item>"
                    for n in range(3))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Kabar</title>{items}</channel></rss>'
    upload = SimpleUploadedFile("feed.xml", feed.encode())
    response = post_import(editor_client, {"file": upload, "format": "auto", "source": ""})
    assert response.status_code == 413 and "The file holds 3 stories; up to 2 stories" in response.content.decode()
    assert not Article.objects.exists()

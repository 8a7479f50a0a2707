"""A correction end to end, with the database: a 50,000-character story with 500 annotations.

    .venv/bin/python bench/correction.py [--runs 5]

`bench/reanchoring.py` times the matching alone; this times what an editor waits for when they
save a correction in the desk (`annotations.corrections.correct`): the version stored, every
mention, claim and attribution cue carried over (the matching, the rows written with their
history, the review records), the body replaced and the database's check that every span still
stands on its words, committed. The story is built from the shared parallel news
(../shared/testdata/news) in a scratch database, `newsdesk_bench_correction`, made afresh on the
embedded PostgreSQL (or on the server DATABASE_URL names), and each run corrects a fresh copy.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
NEWS = BASE_DIR.parent / "shared" / "testdata" / "news" / "ntrex-news-4lang.jsonl"
DATABASE = "newsdesk_bench_correction"
TARGET_MS = 200


def story_text(length: int = 50_000) -> str:
    """Paragraphs of the shared news in its four languages, to `length` code points."""
    records = [json.loads(line) for line in NEWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs, size = [], 0
    for record in records:
        for sentence in record["sentences"]:
            paragraphs.append(sentence)
            size += len(sentence) + 2
            if size >= length:
                return "\n\n".join(paragraphs)[:length].rsplit(" ", 1)[0]
    return "\n\n".join(paragraphs)


def corrected(body: str, rng: random.Random) -> str:
    """What an editor does to a long story: a paragraph at the top, a sentence gone, a paragraph
    moved, a few words fixed."""
    paragraphs = body.split("\n\n")
    paragraphs.insert(0, "Correction: an earlier version of this story gave the wrong date for the visit.")
    del paragraphs[len(paragraphs) // 3]
    moved = paragraphs.pop(len(paragraphs) // 2)
    paragraphs.insert(len(paragraphs) // 5, moved)
    text = "\n\n".join(paragraphs)
    for old, new in (("the", "teh"), ("said", "stated"), ("yang", "yg")):
        at = text.find(f" {old} ", rng.randrange(len(text) // 2))
        if at >= 0:
            text = text[:at + 1] + new + text[at + 1 + len(old):]
    return text


def database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        admin = os.environ["DATABASE_URL"]
    else:
        from newsdesk.embedded_postgres import start

        info = start(BASE_DIR / "var" / "pgdata").get_postmaster_info()
        base = f"postgres://postgres@"
        admin = f"postgres://postgres@/postgres?host={info.socket_dir}&port={info.port}"
        import psycopg

        with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            connection.execute(f"CREATE DATABASE {DATABASE}")
        return f"postgres://postgres@/{DATABASE}?host={info.socket_dir}&port={info.port}"
    import psycopg

    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    return f"{base}/{DATABASE}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mentions", type=int, default=400)
    parser.add_argument("--claims", type=int, default=100)
    options = parser.parse_args()
    os.environ["DATABASE_URL"] = database_url()
    os.environ.update({"DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40, "LOG_LEVEL": "ERROR",
                       "DJANGO_SETTINGS_MODULE": "newsdesk.settings"})
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from annotations import corrections
    from annotations.models import Attribution, Claim, Entity, Mention
    from articles.models import Article, Source

    rng = random.Random(19)
    body = story_text()
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\w{4,}", body)]
    publisher = Source.objects.create(name="Bench Daily", kind=Source.Kind.PUBLICATION)
    speaker = Source.objects.create(name="Bench Ministry", kind=Source.Kind.GOVERNMENT)
    entities = [Entity.objects.create(name=f"Entity {i}", kind="person") for i in range(50)]
    timings, outcomes = [], []
    for run in range(options.runs):
        story = Article.objects.create(title=f"Long story {run}", body=body, language="en", publisher=publisher,
                                       status="published", published_at=django.utils.timezone.now())
        places = rng.sample(words, options.mentions + options.claims * 2)
        Mention.objects.bulk_create([
            Mention(article=story, entity=entities[i % len(entities)], start=s, end=e, exact=body[s:e],
                    prefix=body[max(0, s - 32):s], suffix=body[e:e + 32])
            for i, (s, e) in enumerate(places[:options.mentions])
        ])
        claim_places = places[options.mentions:]
        for i in range(options.claims):
            (s, e), (cs, ce) = claim_places[2 * i], claim_places[2 * i + 1]
            claim = Claim.record(story, start=s, end=e, exact=body[s:e],
                                 chain=[(speaker, "speaker", "on_record")])
            Attribution.objects.filter(claim=claim).update(start=cs, end=ce, exact=body[cs:ce])
        new_body = corrected(body, rng)
        started = time.perf_counter()
        _, carried = corrections.correct(story, body=new_body, note="bench")
        timings.append((time.perf_counter() - started) * 1000)
        outcomes.append(carried)
        connection.close()
    spans = options.mentions + options.claims * 2
    print(f"story: {len(body):,} code points, {spans} spans ({options.mentions} mentions, {options.claims} claims "
          f"with a cue each); {options.runs} corrections, each a fresh copy")
    print(f"correct(), committed: best {min(timings):.1f} ms, median {statistics.median(timings):.1f} ms, "
          f"worst {max(timings):.1f} ms (target {TARGET_MS} ms for the re-anchoring)")
    last = outcomes[-1]
    print(f"outcomes of the last run: {last.moved} moved, {last.review} to review, {last.orphaned} orphaned")


if __name__ == "__main__":
    main()

"""Fill a database with a realistic newsroom at scale, fast (COPY).

    .venv/bin/python bench/generate.py --stories 100000 [--database newsdesk_scale]

A fresh database (`--database` on the embedded server, or DATABASE_URL as it is) is migrated,
then filled with: publishers and other sources; 5,000 entities, each with aliases in other
scripts; N stories in English, Indonesian, Korean and Russian spread over three years (nine in
ten published), whose text names about ten entities each (a few entities very often, most
rarely, as in real news), with a mention for each name, five claims with their attribution
(500,000 at 100,000 stories), and story links. Four claims in ten are appearances of a claim told
in other stories too: most of those in a few stories (50,000 claims across stories, about four
appearances each), some in a hundred or more (100 claims that every outlet repeats, about 200
appearances each); the rest are claims of their own. Rows are streamed with COPY, with the history triggers off for the session
(the history of generated data says nothing); every other rule of the database still holds.
"""

import argparse
import hashlib
import os
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.server import fresh_database, manage  # noqa: E402

ENTITIES = 5_000
LANGUAGES = ["en", "id", "ko", "ru"]
FILLER = {
    "en": "officials said the talks would continue next week after the ministers met in the capital and agreed".split(),
    "id": "para pejabat mengatakan pembicaraan akan berlanjut pekan depan setelah menteri bertemu di ibu kota".split(),
    "ko": "관리들은 장관들이 수도에서 만난 뒤 다음 주에 회담이 계속될 것이라고 말했다 합의했다".split(),
    "ru": "чиновники заявили что переговоры продолжатся на следующей неделе после встречи министров в столице".split(),
}
LATIN = "ka ri mo na su le ta vi do ge ra po lin mar sen tor bel ko ha ni".split()
HANGUL = "가 리 모 나 수 레 타 비 도 게 라 포 린 마 센 토 벨 코 하 니".split()
CYRILLIC = "ка ри мо на су ле та ви до ге ра по лин мар сен тор бел ко ха ни".split()
KINDS = ["person", "organisation", "place", "event"]
CLAIMS_PER_STORY = 5
WIDELY_TOLD, TOLD_AGAIN = 100, 50_000  # claims across stories: told in ~200 stories each, in ~4


def entity_names(rng: random.Random, n: int) -> tuple[str, str, str]:
    """A made-up name in Latin, Hangul and Cyrillic script (the same syllables in each)."""
    syllables = [rng.randrange(len(LATIN)) for _ in range(rng.randint(2, 3))], [rng.randrange(len(LATIN)) for _ in range(2)]
    latin = " ".join("".join(LATIN[s] for s in part).capitalize() for part in syllables) + f" {n}"
    hangul = " ".join("".join(HANGUL[s] for s in part) for part in syllables) + f" {n}"
    cyrillic = " ".join("".join(CYRILLIC[s] for s in part).capitalize() for part in syllables) + f" {n}"
    return latin, hangul, cyrillic


def copy(cursor, model, rows, fields: list[str]) -> int:
    table = model._meta.db_table
    columns = ", ".join(f'"{model._meta.get_field(f).column}"' for f in fields)
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
        for row in rows:
            stream.write_row(row)
            count += 1
    return count


def generate(stories: int, seed: int) -> dict[str, int]:
    import django

    django.setup()
    from django.db import connection

    from annotations.models import (
        Attribution, Claim, ClaimAcrossStories, ClaimStatusChange, Entity, EntityAlias, Evidence, Mention, StoryLink,
    )
    from articles.models import Article, Source

    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no history triggers for generated rows
        cursor.execute("SET statement_timeout = 0")
        raw = cursor.cursor

        kinds = ["publication"] * 200 + ["news_agency"] * 40 + ["government"] * 160 + ["anonymous"] * 100
        counts["sources"] = copy(raw, Source, (
            (i + 1, f"Source {i + 1}", f"source-{i + 1}", kind, rng.choice(["ID", "KR", "RU", "GB", "US"]), "", "", now)
            for i, kind in enumerate(kinds)
        ), ["id", "name", "slug", "kind", "country", "url", "description", "created_at"])
        publishers = list(range(1, 201))
        on_record = [i + 1 for i, kind in enumerate(kinds) if kind in ("news_agency", "government")]
        anonymous = [i + 1 for i, kind in enumerate(kinds) if kind == "anonymous"]

        names = [entity_names(rng, n + 1) for n in range(ENTITIES)]
        counts["entities"] = copy(raw, Entity, (
            (n + 1, latin, f"entity-{n + 1}", KINDS[n % 4], "", "", now) for n, (latin, _, _) in enumerate(names)
        ), ["id", "name", "slug", "kind", "wikidata_id", "description", "created_at"])

        def aliases():
            alias_id = 0
            for n, (_, hangul, cyrillic) in enumerate(names):
                for name, language in ((hangul, "ko"), (cyrillic, "ru")):
                    alias_id += 1
                    yield alias_id, n + 1, name, language
        counts["aliases"] = copy(raw, EntityAlias, aliases(), ["id", "entity", "name", "language"])

        # A few entities are in most stories, most in few (Zipf), as in real news.
        weights = [1 / (rank + 1) ** 1.1 for rank in range(ENTITIES)]
        start_time = now - timedelta(days=3 * 365)
        mentions, claims, attributions, links, changes, evidence, across = [], [], [], [], [], [], []
        article_rows = []

        def key() -> uuid.UUID:
            return uuid.UUID(int=rng.getrandbits(128), version=4)

        shared = WIDELY_TOLD + TOLD_AGAIN
        counts["claims across stories"] = copy(raw, ClaimAcrossStories, (
            (n, key(), f"Claim told in many stories, number {n}.", rng.choice(LANGUAGES), start_time, None)
            for n in range(1, shared + 1)
        ), ["id", "key", "statement", "language", "created_at", "created_by"])
        next_across = shared + 1
        for i in range(1, stories + 1):
            language = LANGUAGES[i % 4]
            named = set(rng.choices(range(ENTITIES), weights=weights, k=10))
            words = FILLER[language]
            parts, spans = [], []
            length = 0
            sentences = []
            for entity in sorted(named):
                name = names[entity][{"en": 0, "id": 0, "ko": 1, "ru": 2}[language]]
                lead = " ".join(rng.sample(words, 5))
                sentence_start = length
                text = f"{lead} {name} {' '.join(rng.sample(words, 6))}."
                name_start = length + len(lead) + 1
                spans.append((entity + 1, name_start, name_start + len(name), name))
                sentences.append((sentence_start, sentence_start + len(text) - 1))
                parts.append(text)
                length += len(text) + 1
            body = " ".join(parts)
            published = start_time + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            status = "published" if i % 10 else "draft"
            title = f"{' '.join(rng.sample(words, 4))} {names[min(named)][0 if language in ('en', 'id') else (1 if language == 'ko' else 2)]}"
            article_rows.append((
                i, title, f"story-{i}", body, language, rng.choice(publishers), f"https://news.example/{i}",
                published if status == "published" else None, status, now, now, hashlib.sha256(body.encode()).hexdigest(),
            ))
            for entity_id, start, end, name in spans:
                mentions.append((i, entity_id, start, end, name, body[max(0, start - 32):start], body[end:end + 32], True, now))
            for c in range(CLAIMS_PER_STORY):
                start, end = sentences[c % len(sentences)]
                claim_id = (i - 1) * CLAIMS_PER_STORY + c + 1
                unnamed = c % 3 == 2
                # A claim from a named source on the record may be confirmed, on its own quote.
                status = rng.choice(["unverified", "reported", "disputed"] + ([] if unnamed else ["confirmed"]))
                draw = rng.random()
                if draw < 0.04:
                    across_id = rng.randint(1, WIDELY_TOLD)
                elif draw < 0.40:
                    across_id = rng.randint(WIDELY_TOLD + 1, shared)
                else:
                    across_id = next_across
                    next_across += 1
                    across.append((across_id, key(), f"{c + 1}. {body[start:end]}", language, now, None))
                claims.append((claim_id, i, start, end, body[start:end], body[max(0, start - 32):start], body[end:end + 32],
                               f"{c + 1}. {body[start:end]}", status, "", 1, True, now, now, across_id))
                source = rng.choice(anonymous if unnamed else on_record)
                attributions.append((claim_id, claim_id, 0, source, "speaker", "anonymous" if unnamed else "on_record", ""))
                proof = None
                if status == "confirmed":
                    proof = claim_id
                    evidence.append((claim_id, claim_id, "quote", claim_id, "", "", "", now))
                if status != "unverified":  # the claim rules: a status is the one its history last recorded
                    changes.append((claim_id, claim_id, "unverified", status, "Generated.", published or now, proof))
            if i > 1 and i % 3 == 0:
                links.append((len(links) + 1, i, rng.randrange(max(1, i - 500), i), rng.choice(["same_event", "follow_up", "earlier_coverage"]), "", now))
            if len(article_rows) >= 5_000 or i == stories:
                copy(raw, Article, article_rows, ["id", "title", "slug", "body", "language", "publisher", "url", "published_at",
                                                  "status", "created_at", "updated_at", "content_hash"])
                copy(raw, Mention, ((len_id, *row) for len_id, row in enumerate(mentions, counts.get("mentions", 0) + 1)),
                     ["id", "article", "entity", "start", "end", "exact", "prefix", "suffix", "is_published", "created_at"])
                counts["mentions"] = counts.get("mentions", 0) + len(mentions)
                copy(raw, ClaimAcrossStories, across, ["id", "key", "statement", "language", "created_at", "created_by"])
                copy(raw, Claim, claims, ["id", "article", "start", "end", "exact", "prefix", "suffix", "statement", "status",
                                          "note", "version", "is_published", "created_at", "updated_at", "across"])
                copy(raw, Attribution, attributions, ["id", "claim", "position", "source", "role", "sourcing", "exact"])
                copy(raw, Evidence, evidence, ["id", "claim", "kind", "attribution", "url", "exact", "note", "created_at"])
                copy(raw, ClaimStatusChange, changes, ["id", "claim", "from_status", "to_status", "reason", "changed_at", "evidence"])
                counts["claims"] = counts.get("claims", 0) + len(claims)
                counts["claims across stories"] += len(across)
                article_rows, mentions, claims, attributions, changes, evidence, across = [], [], [], [], [], [], []
                print(f"  {i:,} stories", end="\r", flush=True)
        counts["links"] = copy(raw, StoryLink, links, ["id", "from_article", "to_article", "kind", "note", "created_at"])
        counts["stories"] = stories
        for model in (Source, Entity, EntityAlias, Article, Mention, ClaimAcrossStories, Claim, Attribution, Evidence,
                      ClaimStatusChange, StoryLink):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
        cursor.execute("SET session_replication_role = origin")
    connection.close()
    with connection.cursor() as cursor:  # VACUUM cannot run in a transaction block; autocommit here
        cursor.execute("VACUUM ANALYZE")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--database", default="newsdesk_scale")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    env = fresh_database(options.database, os.environ | {"DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40,
                                                        "LOG_LEVEL": "WARNING", "DATABASE_STATEMENT_TIMEOUT": "0"})
    manage(env, "migrate", "--noinput", "-v0")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    started = time.monotonic()
    counts = generate(options.stories, options.seed)
    seconds = time.monotonic() - started
    print(f"generated in {seconds:.0f} s ({options.stories / seconds:,.0f} stories/s): "
          + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
    print(f"DATABASE_URL={env['DATABASE_URL']}")


if __name__ == "__main__":
    main()

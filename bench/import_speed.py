"""Import benchmark: throughput and peak memory of import_articles on generated JSON Lines,
against a COPY of the very same rows.

    .venv/bin/python bench/import_speed.py [--stories 100000] [--small 10000]

Generates the stories (in several languages, with URLs, so nothing is detected or skipped),
imports them into a fresh database, and prints stories per second and the importer's peak
memory for the small and the full file: streaming means the peak must not grow with the file.

The baseline: the rows the import stored (its sources and stories, every column the database
does not compute) are read back and loaded with COPY into another fresh database of the same
schema, 10,000 rows a transaction (COPY_ROWS), under a history context as the import's. Same
tables, same indexes (the GIN index of each language included), same generated columns (search
vectors), same constraints and triggers (history, page generation, claim rules): COPY fires
every row trigger too. What COPY is spared is the importer's own work: reading and checking
JSON, cleaning the text, choosing slugs, recognising stories already here, reporting. The ratio
is the import's rate over COPY's.

The databases are `<name>_import_small` (and `_large`) and `<name>_copy_small` (and `_large`),
each made afresh from one migrated template `<name>_template`, where <name> is DATABASE_URL's
database (or `newsdesk_bench` on the embedded server). Background work is reported apart: what the import left queued (jobs,
statements to embed) and what running it afterwards took.
"""

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.server import fresh_database  # noqa: E402
JOBS = 2
WORDS = {
    "en": "the minister said talks would continue next week after officials met in the capital".split(),
    "id": "menteri mengatakan pembicaraan akan berlanjut pekan depan setelah para pejabat bertemu".split(),
    "ru": "министр заявил что переговоры продолжатся на следующей неделе после встречи чиновников".split(),
    "ko": "장관은 관리들이 수도에서 만난 뒤 다음 주에 회담이 계속될 것이라고 말했다".split(),
}


def generate(path: Path, count: int, seed: int = 7, batch: str = "a") -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            language = rng.choice(list(WORDS))
            words = WORDS[language]
            paragraphs = [" ".join(rng.choices(words, k=40)).capitalize() + "." for _ in range(4)]
            record = {
                "title": f"{' '.join(rng.choices(words, k=6)).capitalize()} {n}",
                "body": "\n\n".join(paragraphs), "url": f"https://bench.example/{batch}/{language}/{n}",
                "language": language, "published_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+00:00",
                "status": "published", "publisher": {"name": f"Bench {language}", "kind": "publication", "country": "ID"},
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(path: Path, env: dict) -> tuple[float, float]:
    """Seconds taken and peak RSS in MiB of one import_articles process."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(path), "--quiet", "--jobs", str(JOBS)],
        cwd=BASE_DIR, env=env, check=True,
    )
    seconds = time.monotonic() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# What an import of new stories writes (the history's event tables are the triggers' to fill).
TABLES = ("articles_source", "articles_article")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def migrated_template(env: dict) -> dict:
    """A migrated database to copy fresh ones from: `<name>_template`."""
    template = f"{database_name(env['DATABASE_URL'])}_template"
    env = recreate(env, template)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    return env


def recreate(env: dict, name: str, template: str = "") -> dict:
    """The environment of an empty database `name` (a copy of `template`, if given)."""
    with psycopg.connect(with_database(env["DATABASE_URL"], "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        copy_of = sql.SQL(" TEMPLATE {}").format(sql.Identifier(template)) if template else sql.SQL("")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)) + copy_of)
    return env | {"DATABASE_URL": with_database(env["DATABASE_URL"], name)}


def stored_columns(conn: psycopg.Connection, table: str) -> list[str]:
    """The columns a writer gives: every one but those the database generates (search vectors)."""
    return [name for name, in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_generated = 'NEVER' "
        "ORDER BY ordinal_position", (table,))]


def dump(env: dict, folder: Path) -> dict[str, tuple[list[str], Path, int]]:
    """The rows the import stored, table by table, as COPY text in a file: (columns, file, rows)."""
    dumped = {}
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        for table in TABLES:
            columns = stored_columns(conn, table)
            path = folder / f"{table}.copy"
            query = sql.SQL("COPY (SELECT {} FROM {} ORDER BY id) TO STDOUT").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table))
            with path.open("wb") as out, conn.cursor().copy(query) as copy:
                for data in copy:
                    out.write(data)
            count, = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            dumped[table] = (columns, path, count)
    return dumped


# Rows a COPY transaction holds. One COPY of 100,000 stories in one transaction took 72 s here,
# ten of 10,000 took 26 s (and fifty of 2,000, 23 s): a long transaction of these triggers slows
# down as it goes, so the baseline is the faster way, not the one that flatters the import.
COPY_ROWS = 10_000


def copy_rows(env: dict, dumped: dict) -> float:
    """Seconds to load the dumped rows with COPY, COPY_ROWS a transaction, triggers on, committed."""
    context = (str(uuid.uuid4()), json.dumps({"command": "bench COPY"}))
    started = time.monotonic()
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        for table in TABLES:
            columns, path, _ = dumped[table]
            query = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
            with path.open("rb") as source:
                while part := b"".join(itertools.islice(source, COPY_ROWS)):  # a row is a line
                    # The history's triggers attach a context to every event row, as for the import's.
                    conn.execute("SELECT set_config('pghistory.context_id', %s, true), "
                                 "set_config('pghistory.context_metadata', %s, true)", context)
                    with conn.cursor().copy(query) as copy:
                        copy.write(part)
                    conn.commit()
    return time.monotonic() - started


def history_events(env: dict) -> tuple[int, int]:
    """The stories' history rows, and how many of them name who made them (a context)."""
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        return conn.execute("SELECT count(*), count(pgh_context_id) FROM articles_articleevent").fetchone()


def background(env: dict) -> tuple[int, float]:
    """What the import left for later: jobs queued, and the seconds embed_statements (the step
    import_articles runs after an import that stored claims) takes once it is over."""
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        jobs, = conn.execute("SELECT count(*) FROM procrastinate_jobs").fetchone()
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", "embed_statements", "-v0"], cwd=BASE_DIR, env=env, check=True)
    return jobs, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2, help="import processes (import_articles --jobs)")
    options = parser.parse_args()
    global JOBS
    JOBS = options.jobs
    env = fresh_database("newsdesk_bench", os.environ | {"DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40, "LOG_LEVEL": "WARNING"})
    name = database_name(env["DATABASE_URL"])
    template = migrated_template(env)
    source = database_name(template["DATABASE_URL"])
    rows, imports = [], []
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as folder:
        for batch, count in (("small", options.small), ("large", options.stories)):
            path = Path(folder) / f"stories-{count}.jsonl"
            generate(path, count, batch=batch)
            imported = recreate(template, f"{name}_import_{batch}", template=source)
            seconds, peak = run(path, imported)
            dumped = dump(imported, Path(folder))
            copied = recreate(template, f"{name}_copy_{batch}", template=source)
            copy_seconds = copy_rows(copied, dumped)
            stored = dumped["articles_article"][2]
            assert stored == count, f"{stored} of {count} stories stored"
            assert history_events(copied)[0] == history_events(imported)[0] == count
            rows.append((count, path.stat().st_size / 2**20, seconds, peak, copy_seconds, history_events(imported)))
            imports.append(imported)
    # After every import, so that no background process counts in an import's peak memory.
    later = [background(imported) for imported in imports]
    print(f"\nimport_articles --jobs {JOBS}, and COPY of the same rows (same tables, indexes, triggers; "
          f"{COPY_ROWS:,} rows a transaction)")
    print(f"{'stories':>9}{'file MiB':>10}{'seconds':>9}{'stories/s':>11}{'peak MiB':>10}"
          f"{'COPY s':>9}{'COPY/s':>10}{'ratio':>7}{'history':>9}{'named':>9}")
    for count, size, seconds, peak, copy_seconds, (events, named) in rows:
        print(f"{count:>9,}{size:>10.1f}{seconds:>9.1f}{count / seconds:>11,.0f}{peak:>10.0f}"
              f"{copy_seconds:>9.1f}{count / copy_seconds:>10,.0f}{copy_seconds / seconds:>7.2f}{events:>9,}{named:>9,}")
    print("\nbackground, after each import (not in its seconds):")
    for (count, *_), (jobs, embed_seconds) in zip(rows, later):
        print(f"{count:>9,} stories: {jobs} jobs queued; embed_statements {embed_seconds:.1f} s (process start included)")


if __name__ == "__main__":
    main()

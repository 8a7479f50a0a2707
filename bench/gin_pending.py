"""How a GIN index with and without a pending list (`fastupdate`) copes with stories arriving
one at a time, on a large archive.

    .venv/bin/python bench/gin_pending.py [--database newsdesk_scale] [--inserts 2000]

With `fastupdate` on (PostgreSQL's default), an insert appends the story's words to the
index's pending list, which every search must then read in full until a vacuum (or the list
reaching `gin_pending_list_limit`, 4 MB by default) merges it into the index. With it off, each
insert places its words in the index at once. Two copies of the archive's search columns are
made, one indexed each way, with autovacuum off for them (the worst case between two vacuums);
then `--inserts` single-row inserts, each its own transaction as the import and the desk make
them, and the same searches on both before and after. Prints per-insert and per-search times
in milliseconds. Works on a copy: the archive itself is not changed. Needs a database filled
by bench/generate.py.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))



def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def connect(database: str) -> psycopg.Connection:
    url = os.environ.get("DATABASE_URL")
    if not url:
        from newsdesk.embedded_postgres import start

        info = start(BASE_DIR / "var" / "pgdata").get_postmaster_info()
        url = f"postgres://postgres@/{database}?host={info.socket_dir}&port={info.port}"
    return psycopg.connect(url, autocommit=True)


def searches(connection, table: str, words: list[str], rounds: int = 5) -> list[float]:
    """Each name, read in English, `rounds` times: the index (and its pending list) answers.
    Names are rare, so the time is the index's, not that of counting thousands of rows."""
    times = []
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for _ in range(rounds):
            for word in words:
                began = time.perf_counter()
                cursor.execute(
                    f"SELECT count(*) FROM {table} WHERE search_config = 'english' "
                    "AND search_vector @@ websearch_to_tsquery('english', %s)", [word],
                )
                cursor.fetchone()
                times.append((time.perf_counter() - began) * 1000)
        cursor.execute("RESET enable_seqscan")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="newsdesk_scale")
    parser.add_argument("--inserts", type=int, default=2000)
    options = parser.parse_args()
    connection = connect(options.database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM articles_article")
        stories, highest = cursor.fetchone()
        tables = {"on": "gin_bench_fastupdate_on", "off": "gin_bench_fastupdate_off"}
        for setting, table in tables.items():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} WITH (autovacuum_enabled = off) AS "
                "SELECT id, search_config, search_vector FROM articles_article"
            )
            cursor.execute(
                f"CREATE INDEX {table}_english ON {table} USING gin (search_vector) "
                f"WITH (fastupdate = {setting}) WHERE search_config = 'english'"
            )
            cursor.execute(f"VACUUM ANALYZE {table}")
        # The vectors of English stories, to insert again as new stories.
        cursor.execute("SELECT search_vector FROM articles_article WHERE search_config = 'english' ORDER BY random() LIMIT %s",
                       [options.inserts])
        vectors = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT name FROM annotations_entity ORDER BY random() LIMIT 20")
        words = [name for (name,) in cursor.fetchall()] + ["zebra"]
    results = {}
    for setting, table in tables.items():
        before = searches(connection, table, words)
        inserts = []
        with connection.cursor() as cursor:
            for n, vector in enumerate(vectors):
                began = time.perf_counter()
                cursor.execute(
                    f"INSERT INTO {table} (id, search_config, search_vector) VALUES (%s, 'english', %s::tsvector)",
                    [highest + 1 + n, vector],
                )
                inserts.append((time.perf_counter() - began) * 1000)
        after = searches(connection, table, words)
        with connection.cursor() as cursor:
            began = time.perf_counter()
            cursor.execute(f"SELECT gin_clean_pending_list('{table}_english'::regclass)")
            merged = cursor.fetchone()[0]
            merge_ms = (time.perf_counter() - began) * 1000
        cleaned = searches(connection, table, words)
        results[setting] = (inserts, before, after, cleaned, merged, merge_ms)
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"DROP TABLE {table}")

    print(f"\n{stories:,} stories; {options.inserts:,} single-row inserts of English stories; ms")
    print(f"{'fastupdate':<12}{'insert p50':>12}{'insert p95':>12}{'inserts total':>15}"
          f"{'search p95 before':>19}{'after inserts':>15}{'after merge':>13}{'pages merged':>14}{'merge ms':>10}")
    for setting, (inserts, before, after, cleaned, merged, merge_ms) in results.items():
        print(f"{setting:<12}{statistics.median(inserts):>12.2f}{percentile(inserts, 95):>12.2f}{sum(inserts):>15.0f}"
              f"{percentile(before, 95):>19.2f}{percentile(after, 95):>15.2f}{percentile(cleaned, 95):>13.2f}"
              f"{merged:>14}{merge_ms:>10.0f}")


if __name__ == "__main__":
    main()

"""Claim suggestions at scale: the time to give every statement its meaning, and a story's
claim suggestions (annotations/matching.py) at 100,000 stories with 500,000 claims.

    .venv/bin/python bench/generate.py --stories 100000      # once
    .venv/bin/python bench/claim_matching.py [--database newsdesk_scale] [--samples 200]

The vectors are computed first, if missing (as `manage.py embed_statements` does after an import),
with pgvector's HNSW index dropped meanwhile and built again after, which is timed apart. Then the
suggestions of sampled stories (all their claims at once, as the desk asks for them) are timed.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="newsdesk_scale")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--no-embed", action="store_true", help="measure with the vectors already computed")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        from newsdesk.embedded_postgres import start

        info = start(BASE_DIR / "var" / "pgdata").get_postmaster_info()
        os.environ["DATABASE_URL"] = f"postgres://postgres@/{options.database}?host={info.socket_dir}&port={info.port}"
    os.environ.update({"SECRET_KEY": "bench-only-" + "x" * 40, "LOG_LEVEL": "ERROR", "DATABASE_STATEMENT_TIMEOUT": "0",
                       "DJANGO_SETTINGS_MODULE": "newsdesk.settings"})
    import django

    django.setup()
    from django.db import connection

    from annotations import matching, meaning
    from annotations.management.commands.embed_statements import embed_missing
    from annotations.models import Claim, StatementVector
    from articles.models import Article

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    vector_column = meaning.column_type() == "vector"
    if not options.no_embed and meaning.statements_to_embed(limit=1):
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS statement_vector_hnsw")
        began = time.perf_counter()
        computed = embed_missing()
        embedding = time.perf_counter() - began
        print(f"meaning of {computed:,} statements ({meaning.encoder().name}): {embedding:.0f} s "
              f"({computed / embedding:,.0f} a second)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'statement_vector_hnsw'")
        indexed = cursor.fetchone() is not None
    if vector_column and not indexed:
        if True:
            began = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute("CREATE INDEX statement_vector_hnsw ON annotations_statementvector USING hnsw (embedding vector_ip_ops)")
                cursor.execute("ANALYZE annotations_statementvector")
            print(f"HNSW index over them: {time.perf_counter() - began:.0f} s")
    stories, claims, vectors = Article.objects.count(), Claim.objects.count(), StatementVector.objects.count()
    left = len(meaning.statements_to_embed())
    print(f"{stories:,} stories, {claims:,} claims, {vectors:,} statement vectors ({meaning.column_type()}), {left:,} statements without one")

    rng = random.Random(18)
    ids = list(Article.objects.filter(claims__isnull=False).values_list("pk", flat=True).distinct()[:: max(1, stories // (options.samples * 5))])
    sample = rng.sample(ids, min(options.samples, len(ids)))
    times, offered = [], 0
    for n, pk in enumerate(sample):
        began = time.perf_counter()
        article_claims = list(Claim.objects.filter(article_id=pk).select_related("article").order_by("start", "id"))
        found = matching.suggestions_for(article_claims)
        elapsed = (time.perf_counter() - began) * 1000
        if n >= 5:  # after a warm-up (the model's first load, the entities' frequencies)
            times.append(elapsed)
        offered += sum(len(s) for s in found.values())
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"claim suggestions for a story ({len(times)} stories, 5 claims each): p50 {statistics.median(times):.1f} ms, "
          f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms; {offered / len(sample):.1f} offered a story")


if __name__ == "__main__":
    main()

"""Server time of every kind of page, the search and both suggestion kinds, on a large newsroom.

    .venv/bin/python bench/generate.py --stories 100000        # once: fills newsdesk_scale
    .venv/bin/python bench/scale.py [--database newsdesk_scale] [--samples 100]

Requests go through the whole Django stack in this process (middleware, views, templates,
queries), with the production settings and the public page cache off, so what is measured is
the server's own time for a page it has not kept; a bare view through the same stack, in the
same run, is the baseline. Each kind of page is asked for `--samples`
times with different objects (random stories, entities, sources, claims, queries) after one
warm-up round; p50 and p95 are printed in milliseconds, beside the targets of issue 7.
"""

import argparse
import os
import random
import statistics
import sys
import time
from urllib.parse import unquote
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TARGETS = {"search": 50, "entity suggestions": 50, "related suggestions": 50}
PAGE_TARGET = 100


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="newsdesk_scale")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--only", default="", help="comma-separated kinds to measure (all by default)")
    parser.add_argument("--slowest", type=int, default=0, help="also print the N slowest requests of each kind")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        from newsdesk.embedded_postgres import start

        info = start(BASE_DIR / "var" / "pgdata").get_postmaster_info()
        os.environ["DATABASE_URL"] = f"postgres://postgres@/{options.database}?host={info.socket_dir}&port={info.port}"
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40, "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0", "PUBLIC_PAGE_CACHE_SECONDS": "0", "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # the production settings plus the bare view
    })
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.db import connection, transaction

    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    from annotations.models import Claim, ClaimAcrossStories, Entity
    from annotations.related import related_suggestions
    from annotations.roles import ensure_editors_group
    from annotations.suggestions import suggestions_for
    from articles.models import Article, Source

    rng = random.Random(11)
    n = options.samples
    # Choosing the samples is the bench's own reading, not a page's: at a million stories some of
    # it outlasts the statement timeout that pages run under.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        stories = Article.objects.count()
        published = list(Article.objects.published().values_list("pk", "slug")[:: max(1, stories // (n * 20))])
        sample = rng.sample(published, min(n, len(published)))
        from annotations.models import Mention

        named = list(Mention.objects.published().filter(article_id__in=[pk for pk, _ in sample]).values_list("entity__slug", flat=True).distinct())
        entities = rng.sample(named, min(n // 2, len(named)))
        entities += list(Entity.objects.published().order_by("pk").values_list("slug", flat=True)[: n // 2])  # the commonest too
        sources = rng.sample(list(Source.objects.published().filter(kind="publication").values_list("slug", flat=True)), min(n, 100))
        # Claim pages at random, as readers come to them; and apart, the pages of the claims told in the
        # most stories (bench/generate.py: about 200 each), the heaviest there are.
        claims = rng.sample(list(Claim.objects.published().values_list("pk", flat=True)[: n * 50]), n)
        widely_told = Claim.objects.published().filter(across__in=ClaimAcrossStories.objects.order_by("pk")[:100])
        widely_told = rng.sample(list(widely_told.values_list("pk", flat=True)[: n * 50]), n)
        words = ["talks", "ministers", "pembicaraan", "menteri", "회담이", "장관들이", "переговоры", "министров", "capital",
                 "Kari", "Moleta", "리나", "Рина", "week agreed", "\"next week\"", "talks -capital", "ibu kota", "столице"]
        names = list(Entity.objects.order_by("?").values_list("name", flat=True)[:20])
        queries = [rng.choice(words + names) for _ in range(n)]

    editor, _ = User.objects.get_or_create(username="scale-editor")
    editor.groups.add(ensure_editors_group())
    reader, desk = Client(), Client()
    desk.force_login(editor)

    kinds = {
        "bare view": (reader, ["/bench/bare/"] * n),  # the floor: the same stack doing nothing
        "front page": (reader, ["/"] * n),
        "article page": (reader, [f"/articles/{slug}/" for _, slug in sample]),
        "entity page": (reader, [f"/entities/{slug}/" for slug in entities]),
        "source page": (reader, [f"/sources/{slug}/" for slug in sources]),
        "claim page": (reader, [f"/claims/{pk}/" for pk in claims]),
        "claim page (widely told)": (reader, [f"/claims/{pk}/" for pk in widely_told]),
        "search": (reader, [f"/search/?q={q}" for q in queries]),
        "feed": (reader, ["/feed/"] * n),
        "desk inbox": (desk, ["/desk/"] * n),
        "desk inbox search": (desk, [f"/desk/?q={q}" for q in queries]),
        "desk workspace": (desk, [f"/desk/articles/{pk}/" for pk, _ in sample]),
        "desk history": (desk, [f"/desk/articles/{pk}/history/" for pk, _ in sample[: n // 2]]),
        "desk entity search": (desk, [f"/desk/entities/search/?q={q[:4]}" for q in queries]),
    }
    only = {kind.strip() for kind in options.only.split(",") if kind.strip()}
    results = {}
    for name, (client, urls) in kinds.items():
        if only and name not in only and name != "bare view":
            continue
        for url in urls[:5]:  # warm-up
            client.get(url)
        times = []
        for url in urls:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        results[name] = times
        for ms, url in sorted(zip(times, urls), reverse=True)[: options.slowest]:
            print(f"  {name}: {ms:.1f} ms {unquote(url)}")
    articles = Article.objects.in_bulk([pk for pk, _ in sample])
    for name, function in (("entity suggestions", suggestions_for), ("related suggestions", related_suggestions)):
        if only and name not in only:
            continue
        for article in list(articles.values())[:5]:
            function(article)
        times = []
        for article in articles.values():
            began = time.perf_counter()
            function(article)
            times.append((time.perf_counter() - began) * 1000)
        results[name] = times

    print(f"\n{stories:,} stories; {n} samples of each; server time in this process (ms)")
    print(f"{'what':<22}{'p50':>8}{'p95':>8}{'p95 ÷ bare':>12}{'target p95':>12}")
    bare = percentile(results["bare view"], 95) if "bare view" in results else None
    for name, times in results.items():
        target = TARGETS.get(name, PAGE_TARGET)
        p95 = percentile(times, 95)
        ratio = f"{p95 / bare:.0f}" if bare else "-"
        print(f"{name:<22}{statistics.median(times):>8.1f}{p95:>8.1f}{ratio:>12}{target:>12}{'' if p95 <= target else '  over'}")


if __name__ == "__main__":
    main()

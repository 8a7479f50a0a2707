"""Big stories (issue 21): one 50,000-character story with 500 mentions and 100 claims.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsdesk_big .venv/bin/python bench/big_story.py \
        [--samples 100] [--seconds 10] [--profile 20]

The database DATABASE_URL names is made anew (dropped if it exists; without DATABASE_URL, a
database `--database` on the embedded server), migrated, and given one generated story: about
80 paragraphs of made-up news naming 100 entities, 500 of those names tagged (a place tagged
inside the organisation named after it, so mentions nest), more names left untagged for the
Suggested mentions panel, and 100 claims (sentences, a clause inside a sentence, two sentences
across a paragraph break) with their chains and every status, a few spans waiting for review.

Then, as bench/scale.py does, requests go through the whole Django stack in this process with
the production settings and the page cache off: the workspace (a logged-in editor) and the
public page, `--samples` times each, beside a bare view, p50 and p95 in milliseconds; then the
same with the parts kept per content generation (a logged-in reader for the public page), as
they are served until the next change. With
`--profile N`, the N functions where each page spends most of its own time. Last, gunicorn
(two workers) serves the database on 127.0.0.1 and wrk -t2 -c8 asks for the public page with a
session cookie, so that the page cache is skipped, for `--seconds`: errors and p99; then again
while the story changes three times a second, each change dropping every kept part.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TARGET_P95 = 50  # ms, server time of either page
TARGET_P99 = 250  # ms, under wrk -c8
SLUG = "big-story"

WORDS = (
    "officials said the talks would continue next week after the ministers met in the capital and agreed "
    "that the agreement on grain exports depends on guarantees for ports shipping insurance and the safety "
    "of crews while critics warned that the deal could collapse if the fighting spreads along the coast"
).split()
SYLLABLES = "ka ri mo na su le ta vi do ge ra po lin mar sen tor bel ko ha ni".split()
COUNCILS = ["Council of", "Bank of", "University of", "Port Authority of"]


def entity_names(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """`n` made-up (name, kind) pairs: people, places, and organisations named after a place
    ("Bank of Moleta"), whose names hold a place's name, as real ones do."""
    def word() -> str:
        return "".join(rng.sample(SYLLABLES, rng.randint(2, 3))).capitalize()

    names: dict[str, str] = {}
    while len(names) < n * 2 // 5:
        names.setdefault(word(), "place")
    places = list(names)
    while len(names) < n * 4 // 5:
        names.setdefault(f"{word()} {word()}", "person")
    while len(names) < n:
        names.setdefault(f"{rng.choice(COUNCILS)} {rng.choice(places)}", "organisation")
    return list(names.items())


def big_story_text(*, scale: int = 1, seed: int = 21) -> dict:
    """The story as plain data: its body, its entities' names and kinds, the spans of its
    mentions (entity index, start, end) and of its claims (start, end), `scale` times the big
    story of issue 21 (50,000 characters, 500 mentions, 100 claims at 1). Tests use it with no
    database; make_big_story() stores it."""
    rng = random.Random(seed)
    length, mentions, claims = 50_000 * scale, 500 * scale, 100 * scale
    entities = entity_names(rng, 100)
    index = {name: i for i, (name, _) in enumerate(entities)}
    parts: list[str] = []
    size = 0
    names: list[tuple[int, int, int]] = []  # every name the text writes: (entity, start, end)
    sentences: list[tuple[int, int]] = []
    last_of_paragraph: list[int] = []  # the index in `sentences` of each paragraph's last sentence
    while size < length:
        if parts:  # a paragraph of five to nine sentences, then a blank line
            parts.append("\n\n")
            size += 2
        for n in range(rng.randint(5, 9)):
            words = rng.sample(WORDS, rng.randint(10, 16))
            words[0] = words[0].capitalize()
            sentence_start = size + (1 if n else 0)
            at = rng.randrange(1, len(words))
            name, _ = entities[rng.randrange(len(entities))]
            before = " ".join(words[:at]) + " "
            text = f"{before}{name} {' '.join(words[at:])}."
            names.append((index[name], sentence_start + len(before), sentence_start + len(before) + len(name)))
            if " of " in name:  # the place inside the organisation's name is a name too
                place = name.split(" of ", 1)[1]
                place_start = sentence_start + len(before) + len(name) - len(place)
                names.append((index[place], place_start, place_start + len(place)))
            parts.append((" " if n else "") + text)
            sentences.append((sentence_start, sentence_start + len(text)))
            size = sentence_start + len(text)
        last_of_paragraph.append(len(sentences) - 1)
    body = "".join(parts)
    # Most names tagged, the rest left for the suggestions; a nested place goes with its organisation.
    tagged = sorted(rng.sample(range(len(names)), min(mentions, len(names))))
    mention_spans = [names[i] for i in tagged]
    claim_spans: set[tuple[int, int]] = set()

    def claim(start: int, end: int) -> None:  # a claim starts and ends on words, not on white space
        text = body[start:end]
        claim_spans.add((start + len(text) - len(text.lstrip()), end - len(text) + len(text.rstrip())))

    for k, i in enumerate(rng.sample(range(len(sentences) - 1), claims)):
        start, end = sentences[i]
        if k % 10 == 8:  # a clause inside a sentence, which may be claimed whole as well
            claim(start + (end - start) // 3, end - 1)
        elif k % 10 == 9:  # from the middle of one sentence into the next; every other time, the next paragraph's
            if k % 20 == 19:
                i = rng.choice(last_of_paragraph[:-1])
                start, end = sentences[i]
            claim((start + end) // 2, (sentences[i + 1][0] + sentences[i + 1][1]) // 2)
        else:
            claim(start, end)
    while len(claim_spans) < claims:  # the first half of a sentence, claimed apart from the rest
        start, end = sentences[rng.randrange(len(sentences))]
        claim(start, start + (end - start) // 2)
    return {"body": body, "entities": entities, "mentions": mention_spans, "claims": sorted(claim_spans)}


def make_big_story(*, scale: int = 1, seed: int = 21, mentions: int | None = None, claims: int | None = None,
                   slug: str = SLUG):
    """Store big_story_text() as a published story, through the models' own constructors
    (Claim.record for every claim, with its chain, evidence and status). `mentions` and
    `claims` keep only that many of each (the same text): a small story to compare with."""
    from django.db import transaction
    from django.utils import timezone

    from annotations.models import AnchorState, Claim, Entity, EvidenceSpec, Mention
    from articles.models import Article, Source

    plan = big_story_text(scale=scale, seed=seed)
    rng = random.Random(seed)
    statuses = ["unverified", "reported", "reported", "confirmed", "confirmed", "disputed", "denied", "retracted"]
    with transaction.atomic():
        publisher, _ = Source.objects.get_or_create(slug="big-story-daily", defaults={"name": "Big Story Daily", "kind": "publication", "country": "ID"})
        agency, _ = Source.objects.get_or_create(slug="big-story-agency", defaults={"name": "Big Story Agency", "kind": "news_agency", "country": "ID"})
        ministry, _ = Source.objects.get_or_create(slug="big-story-ministry", defaults={"name": "Big Story Ministry", "kind": "government", "country": "ID"})
        unnamed, _ = Source.objects.get_or_create(slug="big-story-official", defaults={"name": "an unnamed official", "kind": "anonymous", "country": "ID"})
        article = Article.objects.create(
            title=f"Grain talks, scale {scale}", slug=slug, body=plan["body"], language="en", publisher=publisher,
            status=Article.Status.PUBLISHED, published_at=timezone.now(),
        )
        entities = []
        for name, kind in plan["entities"]:
            entity = Entity.objects.filter(name=name).first() or Entity.objects.create(name=name, kind=kind)
            entities.append(entity)
        body = plan["body"]
        rows = [
            Mention(article=article, entity=entities[e], start=s, end=t, exact=body[s:t],
                    prefix=body[max(0, s - 32):s], suffix=body[t:t + 32])
            for e, s, t in plan["mentions"][:mentions]
        ]
        Mention.objects.bulk_create(rows)
        made = []
        for n, (start, end) in enumerate(plan["claims"][:claims]):
            status = statuses[n % len(statuses)]
            if status == "confirmed":
                chain, evidence = [(ministry, "speaker", "on_record")], EvidenceSpec("quote", position=0)
            elif status == "unverified":
                chain, evidence = [], None
            else:
                chain, evidence = [(unnamed, "speaker", "anonymous"), (agency, "via", "on_record")], None
            made.append(Claim.record(article, start=start, end=end, exact=body[start:end], chain=chain, evidence=evidence,
                                     status=status, reason="As the story tells it."))
        # A few spans a correction left for review: the desk marks them, readers never see them.
        review = rng.sample(range(len(rows)), len(rows) // 50) if rows else []
        Mention.objects.filter(pk__in=[rows[i].pk for i in review]).update(anchor_state=AnchorState.REVIEW)
        Claim.objects.filter(pk__in=[claim.pk for claim in made[::25]]).update(anchor_state=AnchorState.REVIEW)
    return article


def fresh_database(name: str) -> None:
    """Point DATABASE_URL at an empty database: DATABASE_URL's own (made anew) or `name` on the
    embedded server."""
    import psycopg

    url = os.environ.get("DATABASE_URL")
    if not url:
        from newsdesk.embedded_postgres import start

        info = start(BASE_DIR / "var" / "pgdata").get_postmaster_info()
        url = f"postgres://postgres@/{name}?host={info.socket_dir}&port={info.port}"
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(samples: int, profile: int) -> dict[str, list[float]]:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    from annotations.roles import ensure_editors_group
    from articles.models import Article

    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    article = Article.objects.get(slug=SLUG)
    editor, _ = User.objects.get_or_create(username="big-story-editor")
    editor.groups.add(ensure_editors_group())
    reader, desk = Client(), Client()
    desk.force_login(editor)
    pages = {
        "bare view": (reader, "/bench/bare/"),
        "workspace": (desk, f"/desk/articles/{article.pk}/"),
        "public page": (reader, article.get_absolute_url()),
    }
    # As served: the parts every reader (every editor) sees the same, kept per content
    # generation; measured apart, since the first request after any change renders them anew
    # (the rows above, with the page cache and so the kept parts off).
    kept_reader = Client()
    kept_reader.force_login(editor)
    pages |= {
        "workspace, kept": (desk, f"/desk/articles/{article.pk}/"),
        "public page, kept": (kept_reader, article.get_absolute_url()),
    }
    results = {}
    for name, (client, url) in pages.items():
        settings.PUBLIC_PAGE_CACHE_SECONDS = 600 if name.endswith(", kept") else 0
        for _ in range(5):  # warm-up: the entity matcher, templates, connections
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        times, cpu = [], []
        for _ in range(samples):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        results[name] = times
        results[f"{name} (CPU)"] = cpu
        if profile and name in ("workspace", "public page"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                client.get(url)
            profiler.disable()
            print(f"\n{name}: the {profile} functions with the most own time, 10 requests")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
            pstats.Stats(profiler).sort_stats("cumtime").print_stats(profile * 2)
    return results


def wrk(url: str, seconds: int) -> dict:
    """wrk -t2 -c8 on `url` with a session cookie (of no session: the reader is anonymous, but no
    stored page answers a request that has one), bounded in time."""
    import re
    import subprocess

    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "5s", "--latency", "-H", UNCACHED, url]
    subprocess.run(command[:3] + ["-d2s"] + command[4:], capture_output=True, check=True)  # warm both workers
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"), "p99": ms("99%"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="newsdesk_big", help="on the embedded server, when DATABASE_URL is unset")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10, help="of wrk on the public page; 0: no wrk")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions of each page")
    options = parser.parse_args()
    fresh_database(options.database)
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40, "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "PUBLIC_PAGE_CACHE_SECONDS": "0", "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # the production settings plus the bare view
    })
    from bench.server import manage

    manage(dict(os.environ), "migrate", "--noinput", "-v0")
    import django

    django.setup()
    began = time.monotonic()
    article = make_big_story()
    print(f"generated in {time.monotonic() - began:.0f} s: {len(article.body):,} characters, "
          f"{article.mentions.count()} mentions, {article.claims.count()} claims")
    results = measure(options.samples, options.profile)
    print(f"\n{options.samples} requests of each; server time in this process (ms), and this process's CPU time")
    print("(which leaves out PostgreSQL's, and the waits for a core while other work runs on the machine)")
    print(f"{'what':<14}{'p50':>8}{'p95':>8}{'p95 ÷ bare':>12}{'target p95':>12}{'CPU p50':>10}")
    bare = percentile(results["bare view"], 95)
    for name in ("bare view", "workspace", "public page", "workspace, kept", "public page, kept"):
        times, p95 = results[name], percentile(results[name], 95)
        target = "" if name == "bare view" else TARGET_P95
        over = "  over" if target and p95 > target else ""
        cpu = statistics.median(results[f"{name} (CPU)"])
        print(f"{name:<14}{statistics.median(times):>8.1f}{p95:>8.1f}{p95 / bare:>12.0f}{target:>12}{cpu:>10.1f}{over}")
    if not options.seconds:
        return
    from django.db import connections

    connections.close_all()
    from bench.server import free_port, gunicorn

    port = free_port()
    # The same database, production settings and the page cache on: the cookie is what skips it.
    with gunicorn(port, prepare=("migrate",), PUBLIC_PAGE_CACHE_SECONDS="600", ALLOWED_HOSTS="127.0.0.1"):
        url = f"http://127.0.0.1:{port}{article.get_absolute_url()}"
        quiet = wrk(url, options.seconds)
        # The story's title changed CHANGES_PER_SECOND times a second: every kept part goes
        # each time, so most changes cost a render of the whole story.
        changer = Changer(f"http://127.0.0.1:{port}/bench/change/{article.pk}/")
        changer.start()
        try:
            changing = wrk(url, options.seconds)
        finally:
            changer.running = False
            changer.join()
    print(f"\nwrk -t2 -c8 -d{options.seconds}s on the uncached public page (a session cookie: no stored page), "
          "gunicorn with 2 workers, 127.0.0.1")
    for label, r in (("nothing changing", quiet), (f"the story changed {changer.per_second:.1f} times a second", changing)):
        print(f"{label}: {r['requests']} requests, {r['rps']:.0f}/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms "
              f"(target < {TARGET_P99}), {r['errors']} errors{'' if r['p99'] < TARGET_P99 and not r['errors'] else '  over'}")


CHANGES_PER_SECOND = 3
UNCACHED = "Cookie: __Host-sessionid=none"  # the production settings' session cookie


class Changer(threading.Thread):
    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.running, self.changes, self.began = url, True, 0, time.monotonic()

    @property
    def per_second(self) -> float:
        return self.changes / (self.ended - self.began)

    def run(self) -> None:
        import urllib.request

        self.began = time.monotonic()
        while self.running:
            with urllib.request.urlopen(self.url, timeout=10):
                self.changes += 1
            time.sleep(1 / CHANGES_PER_SECOND)
        self.ended = time.monotonic()


if __name__ == "__main__":
    main()

"""Load scenario: 20 editors annotating and 200 readers reading, against gunicorn, for minutes.

    .venv/bin/pip install -r requirements-bench.txt
    .venv/bin/python bench/editors_and_readers.py [--minutes 3] [--workers 3]

A fresh database (`newsdesk_load` on the embedded server, or DATABASE_URL) gets the demo
newsroom and 20 editor accounts; gunicorn serves it with production settings on 127.0.0.1;
locust (headless, bounded by --minutes) runs 200 readers (front page, stories, search,
entities) and 20 editors (open a story, tag an entity, record a claim, change a claim's status).
At the end it prints p50/p95/p99 per kind of request, the server errors (5xx: must be 0), and
checks that every write that got a 200 is in the database (lost writes: must be 0).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.server import fresh_database, free_port, gunicorn, manage  # noqa: E402

EDITORS, READERS = 20, 200
PASSWORD = "load-editor-password-1"

SETUP = """
import json
from django.contrib.auth.models import User
from annotations.models import Entity
from annotations.roles import ensure_editors_group
from articles.models import Article, Source
group = ensure_editors_group()
for n in range(%(editors)d):
    user = User.objects.create_user(f"load-editor-{n}", password="%(password)s")
    user.groups.add(group)
stories = []
for article in Article.objects.order_by("pk")[:10]:
    word = article.body.split()[0]
    stories.append({"id": article.pk, "start": 0, "end": len(word), "exact": word})
plan = {
    "stories": stories,
    "public_urls": [a.get_absolute_url() for a in Article.objects.published()],
    "entity_urls": [e.get_absolute_url() for e in Entity.objects.published()],
    "queries": ["Kremlin", "Kim", "Putin", "kunjungan", "김정은", "визит"],
    "source": Source.objects.get(name="Yonhap").pk,
    "password": "%(password)s",
}
print(json.dumps(plan))
"""

CHECK = """
import json, sys
from annotations.models import Claim, ClaimStatusChange, Entity
writes = json.load(open(%(path)r))
found = {
    "entities": Entity.objects.filter(name__in=writes["entities"]).count(),
    "claims": Claim.objects.filter(statement__in=writes["claims"]).count(),
    "status_changes": ClaimStatusChange.objects.filter(reason__in=writes["status_changes"]).count(),
}
print(json.dumps({kind: [len(writes[kind]), found[kind]] for kind in found}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--workers", type=int, default=3)
    options = parser.parse_args()
    locust = Path(sys.executable).with_name("locust")
    if not locust.exists():
        raise SystemExit("locust is not installed: .venv/bin/pip install -r requirements-bench.txt")
    env = fresh_database("newsdesk_load", os.environ | {"LOG_LEVEL": "WARNING"})
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="newsdesk-load-") as folder, \
            gunicorn(port, workers=options.workers, DATABASE_URL=env["DATABASE_URL"]) as server_env:
        plan = manage(server_env, "shell", "-c", SETUP % {"editors": EDITORS, "password": PASSWORD}, capture=True)
        writes = Path(folder) / "writes.json"
        run_env = os.environ | {"NEWSDESK_LOAD_PLAN": plan.strip().splitlines()[-1], "NEWSDESK_LOAD_WRITES": str(writes)}
        subprocess.run(
            [str(locust), "-f", str(BASE_DIR / "bench" / "locustfile.py"), "--headless", "--host", f"http://127.0.0.1:{port}",
             "-u", str(EDITORS + READERS), "-r", "40", "-t", f"{int(options.minutes * 60)}s", "--stop-timeout", "10",
             "--csv", f"{folder}/stats", "--only-summary", "--loglevel", "WARNING"],
            env=run_env, check=False, timeout=options.minutes * 60 + 120,
        )
        check = json.loads(manage(server_env, "shell", "-c", CHECK % {"path": str(writes)}, capture=True).strip().splitlines()[-1])
        report(Path(folder), check, options)


def report(folder: Path, check: dict, options) -> None:
    with open(folder / "stats_stats.csv") as stats:
        rows = [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]
    with open(folder / "stats_failures.csv") as failures:
        failed = list(csv.DictReader(failures))
    server_errors = sum(int(f["Occurrences"]) for f in failed if "HTTPError('5" in f["Error"] or "50" in f["Error"][:40])
    print(f"\n{EDITORS} editors and {READERS} readers, {options.minutes:g} min, gunicorn --workers {options.workers}, 127.0.0.1")
    print(f"{'request':<24}{'count':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'failed':>8}")
    for row in sorted(rows, key=lambda r: r["Name"]):
        print(f"{row['Name']:<24}{row['Request Count']:>8}{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}{row['Failure Count']:>8}")
    for failure in failed:
        print(f"  failure: {failure['Method']} {failure['Name']}: {failure['Error']} × {failure['Occurrences']}")
    lost = {kind: sent - found for kind, (sent, found) in check.items()}
    print(f"server errors (5xx): {server_errors}")
    print("successful writes: " + ", ".join(f"{kind} {sent}" for kind, (sent, _) in check.items()))
    print("lost writes: " + ", ".join(f"{kind} {n}" for kind, n in lost.items()))
    if server_errors or any(lost.values()) or failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Load benchmark: gunicorn with production settings on 127.0.0.1, driven by wrk.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 16] [--workers 2]

Needs wrk (Debian: apt-get install wrk). Uses DATABASE_URL, or a new database on the embedded
server (`newsdesk_loadbench`); either gets the demo newsroom (migrated and loaded first). Every page is measured against two baselines served
by the same server in the same run: a bare Django view (the floor) and a reference page (20 rows
through the ORM, a template extending a base, `{% url %}`, a CSRF token: a plain Django page).

Three parts:

1. Readers without a session (the public page cache serves them after the first request), then
   an editor's requests, logged in, which no cache serves: the public pages and the desk.
2. The same logged-in pages while editors write (a story tagged about three times a second, as
   the load scenario's 20 editors do), so that a cache of fragments emptied by every change
   cannot pass for speed.
3. One request at a time, 20 of each page: with nothing changed before it, and each the first
   after a content change (the story's title changed).

Traffic goes to 127.0.0.1 only, for a bounded time.
"""

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.server import environment as server_environment, fresh_database, manage, wait_until_up  # noqa: E402

PORT = 8765
CSRF = "b" * 32  # a CSRF secret of our choosing, sent as the cookie and as the header

# An editor with a session, and what the pages are about (printed by `manage.py shell`).
SETUP = """
import json
from django.contrib.auth.models import User
from django.test import Client
from annotations.models import Claim, Entity
from annotations.roles import ensure_editors_group
from articles.models import Article, Source
from django.conf import settings
from django.core.cache import cache
# The database is new, its generations count from the start again: what an earlier run kept
# under the same numbers (the file cache outlives the database) must not be served.
cache.clear()
user, _ = User.objects.get_or_create(username="bench-editor")
user.groups.add(ensure_editors_group())
client = Client()
client.force_login(user)
stories = list(Article.objects.published().order_by("pk").values_list("pk", "body")[:12])
story = Article.objects.get(pk=stories[0][0])
entity = Entity.objects.published().filter(mentions__article=story).first()
claim = Claim.objects.published().filter(article=story).first()
print(json.dumps({
    "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "story": story.pk, "article": story.get_absolute_url(),
    "others": [[pk, body.split()[0]] for pk, body in stories[1:]],  # what the editors tag
    "entity": entity.get_absolute_url(), "source": story.publisher.get_absolute_url(),
    "claim": claim.get_absolute_url(),
}))
"""


def environment(static_root: str) -> dict:
    # bench.settings: the production settings plus the bare view and the reference page.
    return server_environment(static_root, DJANGO_SETTINGS_MODULE="bench.settings")


def run_wrk(path: str, seconds: int, connections: int, header: str = "") -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *(["-H", header] if header else []),
         f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50%"), "p99": ms("99%"), "errors": int(errors.group(1)) if errors else 0,
    }


def request(path: str, cookie: str = "", data: bytes | None = None, headers: dict | None = None) -> bytes:
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, headers=(headers or {}) | (
        {"Cookie": cookie} if cookie else {}))
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.read()


class Editors(threading.Thread):
    """Editors writing while pages are measured: the first word of another story tagged as a new
    entity, `per_second` times a second, each time another story, through the desk as an
    editor's browser sends it. (Not the measured story, which would grow a mention a write.)"""

    def __init__(self, plan: dict, cookie: str, per_second: float):
        super().__init__(daemon=True)
        self.plan, self.cookie, self.pause = plan, cookie, 1 / per_second
        self.running, self.writes, self.failures = True, 0, 0

    def run(self) -> None:
        while self.running:
            started = time.monotonic()
            story, word = self.plan["others"][self.writes % len(self.plan["others"])]
            data = urllib.parse.urlencode({
                "start": 0, "end": len(word), "exact": word, "entity": "",
                "new_entity_name": f"Bench entity {self.writes}-{time.time_ns()}", "new_entity_kind": "person",
            }).encode()
            try:
                request(f"/desk/articles/{story}/mentions/", self.cookie, data,
                        {"X-CSRFToken": CSRF, "HX-Request": "true"})
                self.writes += 1
            except OSError:
                self.failures += 1
            time.sleep(max(0.0, self.pause - (time.monotonic() - started)))


def one_at_a_time(path: str, cookie: str, story: int, change: bool, times: int = 20) -> list[float]:
    """Milliseconds of `times` requests for `path` one after the other, each after a change to
    the story if `change`."""
    out = []
    for _ in range(times):
        if change:
            request(f"/bench/change/{story}/")
        started = time.perf_counter()
        request(path, cookie)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--writes-per-second", type=float, default=3)
    parser.add_argument("--only", default="", help="semicolon-separated names of the pages to measure (the baselines always)")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    static_root = tempfile.mkdtemp(prefix="newsdesk-bench-static-")
    env = fresh_database("newsdesk_loadbench", environment(static_root))  # or DATABASE_URL's, as it is
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "-v0")
    plan = json.loads(manage(env, "shell", "-c", SETUP, capture=True).strip().splitlines()[-1])
    editor = f"{plan['cookie']}; {plan['csrf_cookie']}={CSRF}"
    logged_in = f"Cookie: {editor}"
    baselines = {"bare view": ("/bench/bare/", ""), "reference page": ("/bench/reference/", logged_in)}
    public = {"front page": ("/", ""), "article page": (plan["article"], ""), "search": ("/search/?q=Kremlin", "")}
    editors_pages = {
        "article page, logged in": (plan["article"], logged_in),
        "search, logged in": ("/search/?q=Kremlin", logged_in),
        "entity page, logged in": (plan["entity"], logged_in),
        "source page, logged in": (plan["source"], logged_in),
        "claim page, logged in": (plan["claim"], logged_in),
        "desk inbox": ("/desk/", logged_in),
        "desk workspace": (f"/desk/articles/{plan['story']}/", logged_in),
    }
    if options.only:
        wanted = {name.strip() for name in options.only.split(";")}
        public = {name: page for name, page in public.items() if name in wanted}
        editors_pages = {name: page for name, page in editors_pages.items() if name in wanted}

    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsdesk.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(options.workers), "--log-level", "warning"],
        cwd=BASE_DIR, env=env,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{PORT}/healthz")
        for path, header in [*baselines.values(), *public.values(), *editors_pages.values()]:
            run_wrk(path, 1, options.connections, header)  # warm every worker's caches and connections
        quiet = {name: run_wrk(path, options.seconds, options.connections, header)
                 for name, (path, header) in (baselines | public | editors_pages).items()}
        writers = Editors(plan, editor, options.writes_per_second)
        writers.start()
        try:
            busy = {name: run_wrk(path, options.seconds, options.connections, header)
                    for name, (path, header) in (baselines | editors_pages).items()}
        finally:
            writers.running = False
            writers.join()
        one_by_one = {name: (one_at_a_time(path, editor, plan["story"], change=False),
                             one_at_a_time(path, editor, plan["story"], change=True))
                      for name, (path, _) in (baselines | editors_pages).items()}
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)

    print(f"\n{options.workers} gunicorn workers, wrk -t2 -c{options.connections} -d{options.seconds}s, 127.0.0.1")
    table("Readers and an editor, nothing else happening", quiet)
    table(f"While editors write ({writers.writes} stories tagged, {writers.writes / options.seconds / len(busy):.1f} a second, "
          f"{writers.failures} failed)", busy)
    print("\nOne request at a time (20 each): nothing changed before it, and the first after a content change")
    print(f"{'page':<28}{'unchanged p50 ms':>18}{'after a change p50 ms':>23}{'max ms':>9}")
    for name, (unchanged, changed) in one_by_one.items():
        print(f"{name:<28}{statistics.median(unchanged):>18.1f}{statistics.median(changed):>23.1f}{max(changed):>9.1f}")


def table(title: str, results: dict) -> None:
    bare, reference = results["bare view"], results["reference page"]
    print(f"\n{title}")
    print(f"{'page':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'÷ bare':>8}{'÷ reference':>13}")
    for name, r in results.items():
        print(f"{name:<28}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}"
              f"{r['rps'] / bare['rps']:>8.2f}{r['rps'] / reference['rps']:>13.2f}")


if __name__ == "__main__":
    main()

"""Load benchmark: gunicorn with production settings on 127.0.0.1, driven by wrk.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 16]

Needs wrk (Debian: apt-get install wrk). Uses DATABASE_URL, or the embedded server with the
demo newsroom (migrated and loaded first). Measures requests per second and p50/p99 latency of
the front page, an article page and a search as anonymous readers get them (from the public page
cache after the first request), of the article page and the search as the view renders them
(a session cookie keeps them out of the cache), and of a bare Django view served by the same
server in the same run, and prints each page's figures as ratios of the bare view's.
Traffic goes to 127.0.0.1 only, for a bounded time.
"""

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.server import environment as server_environment, manage, wait_until_up  # noqa: E402

PORT = 8765


def environment(static_root: str) -> dict:
    # bench.settings: the production settings plus one bare view, the baseline.
    return server_environment(static_root, DJANGO_SETTINGS_MODULE="bench.settings")


def article_path() -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=5) as response:
        page = response.read().decode()
    match = re.search(r'href="(/articles/[^"]+/)"', page)
    if not match:
        raise SystemExit("no published article to load: run load_demo or import stories first")
    return match.group(1)


# A reader with a session cookie is never served from the page cache: the view's own time.
UNCACHED = "Cookie: __Host-sessionid=none"


def run_wrk(path: str, seconds: int, connections: int) -> dict:
    path, _, header = path.partition(" ")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    static_root = tempfile.mkdtemp(prefix="newsdesk-bench-static-")
    env = environment(static_root)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "-v0")
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsdesk.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(options.workers), "--log-level", "warning"],
        cwd=BASE_DIR, env=env,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{PORT}/healthz")
        article = article_path()
        pages = {"bare view": "/bench/bare/", "front page": "/", "article page": article,
                 "search": "/search/?q=Kremlin", "article, no cache": f"{article} {UNCACHED}",
                 "search, no cache": f"/search/?q=Kremlin {UNCACHED}"}
        for path in pages.values():  # warm every worker's caches and connections
            run_wrk(path, 1, options.connections)
        results = {name: run_wrk(path, options.seconds, options.connections) for name, path in pages.items()}
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)

    bare = results["bare view"]
    print(f"\n{options.workers} gunicorn workers, wrk -t2 -c{options.connections} -d{options.seconds}s, 127.0.0.1")
    print(f"{'page':<18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'req/s ÷ bare':>15}")
    for name, r in results.items():
        print(f"{name:<18}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}{r['rps'] / bare['rps']:>15.2f}")


if __name__ == "__main__":
    main()

"""Feeds polled by workers (issue 20): seconds per cycle, the cost of an unchanged feed, the database's load.

    .venv/bin/python bench/feeds.py [--feeds 1000] [--hosts 50] [--workers 1 2] [--concurrency 4]

1,000 RSS feeds of 10 stories each (generated, in four languages, unique links and guids, with
ETag and Last-Modified, sent gzipped), served by 50 local feed servers on 127.0.0.2 … 127.0.0.51
in this process, feed k on host k mod 50: consecutive jobs ask different hosts, so the per-host
limit (FEEDS_PER_HOST) is not what is measured. For each number of workers, in a fresh database
(`newsdesk_feeds` on the embedded server; with DATABASE_URL, that database emptied with `flush`),
three cycles, each queued as the periodic queue_due_feeds does (every feed made due first) and
polled by that many `manage.py work --until-idle` processes:

- A, the first poll: every story is new;
- B, nothing changed: every feed answers 304;
- C, one feed in ten has one new story.

It prints, per cycle: seconds (queueing, then from starting the workers to the last poll
recorded), feeds and stories a second, the database's load from pg_stat_database (transactions,
rows written, blocks) and the CPU of PostgreSQL's processes and of the workers, per feed; the
HTTP bytes; and checks that every story is stored once, no poll failed, no job is left.
Workers still running after --timeout seconds a cycle are stopped; the servers close at the end.
"""

import argparse
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.import_speed import WORDS  # noqa: E402
from bench.server import fresh_database  # noqa: E402

DATABASE = "newsdesk_feeds"
LANGUAGES = list(WORDS)
ENVIRONMENT = {
    "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40, "LOG_LEVEL": "WARNING",
    "FEEDS_ALLOW_NETWORKS": "127.0.0.0/8", "DJANGO_SETTINGS_MODULE": "newsdesk.settings",
}


# The feeds


def story_html(rng: random.Random, words: list[str]) -> str:
    paragraphs = [" ".join(rng.choices(words, k=40)).capitalize() + "." for _ in range(rng.randint(3, 5))]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def rss(feed: int, items: list[dict], language: str) -> bytes:
    entries = "".join(
        f"<item><title>{escape(item['title'])}</title><link>{item['link']}</link>"
        f"<guid isPermaLink=\"false\">{item['guid']}</guid><pubDate>{item['date']}</pubDate>"
        f"<description>{escape(item['html'])}</description></item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {feed}</title><link>https://feeds{feed % 50}.example/</link>"
        f"<description>Generated for bench/feeds.py</description><language>{language}</language>"
        f"{entries}</channel></rss>"
    ).encode()


def new_item(feed: int, number: int, language: str, rng: random.Random) -> dict:
    words = WORDS[language]
    moment = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=feed * 7 + number * 61)
    return {
        # The numbers keep titles, and so slugs, apart: a taken slug is not what is measured.
        "title": f"{' '.join(rng.choices(words, k=7)).capitalize()} {feed}-{number}",
        "link": f"https://feeds{feed % 50}.example/{language}/{feed}/{number}",
        "guid": f"bench-feed-{feed}-item-{number}",
        "date": format_datetime(moment, usegmt=True),
        "html": story_html(rng, words),
    }


@dataclass
class BenchFeed:
    number: int
    language: str
    items: list[dict] = field(default_factory=list)
    route: object = None
    url: str = ""

    def add_item(self, rng: random.Random) -> None:
        """A new story at the top, as a feed changes; the route gets a new ETag and Last-Modified."""
        self.items.insert(0, new_item(self.number, len(self.items), self.language, rng))
        self.route.change(rss(self.number, self.items, self.language))


# The servers, counting what goes over the wire


def counting_handler():
    from articles.tests.feed_server import _Handler

    class Counted:
        def __init__(self, stream, server, what: str):
            self._stream, self._server, self._what = stream, server, what

        def _count(self, data: bytes) -> bytes:
            with self._server.lock:
                self._server.counts[self._what] += len(data)
            return data

        def readline(self, *args):
            return self._count(self._stream.readline(*args))

        def read(self, *args):
            return self._count(self._stream.read(*args))

        def write(self, data):
            self._count(bytes(data))
            return self._stream.write(data)

        def __getattr__(self, name):
            return getattr(self._stream, name)

    class CountingHandler(_Handler):
        def setup(self) -> None:
            super().setup()
            server = self.server.feed_server
            self.rfile = Counted(self.rfile, server, "received")
            self.wfile = Counted(self.wfile, server, "sent")

        def send_response(self, code, message=None) -> None:
            with self.server.feed_server.lock:
                self.server.feed_server.counts[code] += 1
            super().send_response(code, message)

    return CountingHandler


def start_servers(hosts: int) -> list:
    from collections import Counter

    from articles.tests.feed_server import FeedServer

    handler = counting_handler()
    servers = []
    for n in range(hosts):
        server = FeedServer(f"127.0.0.{2 + n}")
        server.httpd.RequestHandlerClass = handler
        server.counts = Counter()
        servers.append(server)
    return servers


def reset_counts(servers: list) -> None:
    for server in servers:
        with server.lock:
            server.counts.clear()
            server.max_at_once = 0


def wire(servers: list) -> dict:
    total = {"requests": 0, "200": 0, "304": 0, "other": 0, "received": 0, "sent": 0, "max_at_once": 0}
    for server in servers:
        with server.lock:
            for key, value in server.counts.items():
                if isinstance(key, int):
                    total["requests"] += value
                    total[str(key) if key in (200, 304) else "other"] += value
                else:
                    total[key] += value
            total["max_at_once"] = max(total["max_at_once"], server.max_at_once)
    return total


# The database's load and the CPU


def postmaster(conninfo: str):
    """The PostgreSQL server's main process (the parent of our backend), if it runs on this machine."""
    import psutil
    import psycopg

    with psycopg.connect(conninfo) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        return psutil.Process(pid).parent()
    except psutil.Error:
        return None


def postgres_cpu(main) -> float:
    """CPU seconds of the server: the postmaster, its live processes, and those it has reaped
    (backends that ended with their worker's connections are counted there)."""
    import psutil

    if main is None:
        return float("nan")
    times = main.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in main.children():
        try:
            child_times = child.cpu_times()
        except psutil.Error:
            continue
        total += child_times.user + child_times.system
    return total


STAT_COLUMNS = ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted", "tup_fetched",
                "blks_read", "blks_hit")


@dataclass
class Sample:
    time: float
    stats: dict
    postgres: float
    workers: float
    bench: float
    jobs: int


def sample(conn, main) -> Sample:
    conn.execute("SELECT pg_stat_clear_snapshot()")
    row = conn.execute(
        f"SELECT {', '.join(STAT_COLUMNS)} FROM pg_stat_database WHERE datname = current_database()"
    ).fetchone()
    jobs = conn.execute("SELECT last_value FROM procrastinate_jobs_id_seq").fetchone()[0]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    this = resource.getrusage(resource.RUSAGE_SELF)
    return Sample(
        time=time.monotonic(), stats=dict(zip(STAT_COLUMNS, row)), postgres=postgres_cpu(main),
        workers=children.ru_utime + children.ru_stime, bench=this.ru_utime + this.ru_stime, jobs=jobs,
    )


def settle() -> None:
    """Backends send their statistics when idle (at most a second late) or as they exit."""
    time.sleep(1.2)


# The workers


def run_workers(count: int, concurrency: int, env: dict, timeout: float, log: Path) -> tuple[float, bool, list]:
    """Start `count` workers, wait until each has found no job and stopped; the seconds taken,
    whether they all stopped by themselves (else they were stopped after `timeout`), and each
    one's CPU seconds."""
    started = time.monotonic()
    with log.open("a") as out:
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "work", "--until-idle", "--concurrency", str(concurrency)],
                cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
            for _ in range(count)
        ]
    cpu = {}
    while len(cpu) < count and time.monotonic() < started + timeout:
        for worker in workers:
            if worker.pid in cpu:
                continue
            pid, status, usage = os.wait4(worker.pid, os.WNOHANG)
            if pid:
                worker.returncode = os.waitstatus_to_exitcode(status)
                cpu[pid] = usage.ru_utime + usage.ru_stime
        time.sleep(0.05)
    finished = len(cpu) == count
    if not finished:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=25)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    failed = [w.returncode for w in workers if w.returncode != 0]
    if failed and finished:
        print(f"  workers exited with {failed}; see {log}")
    return time.monotonic() - started, finished, [cpu.get(w.pid, float("nan")) for w in workers]


# One cycle


@dataclass
class Cycle:
    name: str
    workers: int
    feeds: int
    queued: int
    queue_seconds: float
    poll_seconds: float  # from starting the workers to the last poll recorded
    exit_seconds: float  # from starting the workers to the last one stopped
    stories: int  # stored in this cycle
    load: dict
    wire: dict
    checks: list[str]


def cycle(name: str, *, workers: int, concurrency: int, env: dict, conn, main, servers: list, timeout: float,
          log: Path) -> Cycle:
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article, Feed
    from articles.tasks import queue_due_feeds

    stories_before = Article.objects.count()
    # As if a feed's interval had passed: every feed due, queued as the periodic task does.
    Feed.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))
    connection.close()
    reset_counts(servers)
    settle()
    before = sample(conn, main)
    queue_started = time.monotonic()
    queued = queue_due_feeds(0)
    queue_seconds = time.monotonic() - queue_started
    connection.close()  # an idle backend reports its statistics up to 10 s late; an ending one at once
    settle()
    queued_sample = sample(conn, main)
    started = time.time()
    exit_seconds, finished, each_cpu = run_workers(workers, concurrency, env, timeout, log)
    settle()
    after = sample(conn, main)

    feeds = Feed.objects.count()
    polled = Feed.objects.filter(last_polled_at__gte=datetime.fromtimestamp(started, UTC))
    last = max(polled.values_list("last_polled_at", flat=True), default=None)
    poll_seconds = last.timestamp() - started if last else float("nan")
    stories = Article.objects.count() - stories_before
    load = {key: after.stats[key] - before.stats[key] for key in STAT_COLUMNS}
    load |= {"postgres_cpu": after.postgres - before.postgres, "workers_cpu": after.workers - queued_sample.workers,
             "bench_cpu": after.bench - queued_sample.bench, "jobs_deferred": after.jobs - before.jobs,
             "queue_xacts": queued_sample.stats["xact_commit"] - before.stats["xact_commit"], "each_cpu": each_cpu}
    checks = check(feeds, polled.count(), finished, conn, started)
    connection.close()
    return Cycle(name, workers, feeds, queued, queue_seconds, poll_seconds, exit_seconds, stories, load,
                 wire(servers), checks)


def check(feeds: int, polled: int, finished: bool, conn, started: float) -> list[str]:
    """What went wrong, if anything: every feed polled and not failed, no poll job left, no story twice.

    A poll job may be left waiting for a feed polled in this cycle: the periodic queue_due_feeds,
    run by a worker meanwhile, queued its feed again while its poll ran (the feed still due, its
    job no longer waiting); the job waits for the running one's lock, and a worker told to stop
    when idle finds nothing it may take. That one is noted, and runs first in the next cycle."""
    from articles.models import Article, Feed, PollResult

    problems = []
    if not finished:
        problems.append("the workers were stopped at the timeout")
    if polled != feeds:
        problems.append(f"{feeds - polled} feeds not polled")
    failed = Feed.objects.filter(last_result=PollResult.FAILED).count()
    if failed:
        problems.append(f"{failed} polls failed: {Feed.objects.filter(last_result=PollResult.FAILED).first().last_error}")
    item_failures = sum(Feed.objects.values_list("last_failed", flat=True))
    if item_failures:
        problems.append(f"{item_failures} items not imported")
    left = conn.execute(
        "SELECT j.status, f.last_polled_at >= to_timestamp(%s), count(*) FROM procrastinate_jobs j "
        "LEFT JOIN articles_feed f ON f.id = (j.args->>'feed_id')::bigint WHERE j.task_name = 'poll_feed' "
        "GROUP BY 1, 2", [started],
    ).fetchall()
    for status, polled_now, count in left:
        if status == "todo" and polled_now:
            problems.append(f"note: {count} poll job(s) queued again while their feed's poll ran, left waiting")
        else:
            problems.append(f"{count} poll job(s) left {status}")
    stories = Article.objects.count()
    urls = Article.objects.values("url").distinct().count()
    guids = Article.objects.values("publisher", "upstream_id").distinct().count()
    if not stories == urls == guids:
        problems.append(f"{stories} stories but {urls} distinct URLs and {guids} distinct guids")
    return problems


# One run: a fresh database, the feeds, three cycles


def prepare_database(base: dict) -> dict:
    """`newsdesk_feeds` made anew on the embedded server, or DATABASE_URL's database emptied; migrated."""
    from django.db import connections

    connections.close_all()
    env = fresh_database(DATABASE, base)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    if base.get("DATABASE_URL"):
        subprocess.run([sys.executable, "manage.py", "flush", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
    return env


def subscribe(servers: list, count: int, items: int, seed: int) -> list[BenchFeed]:
    from articles.models import Feed, Source

    rng = random.Random(seed)
    sources = [Source.objects.create(name=f"Bench outlet {n}", kind="publication", country="ID")
               for n in range(len(servers))]
    feeds = []
    for number in range(count):
        server = servers[number % len(servers)]
        feed = BenchFeed(number, LANGUAGES[number % len(LANGUAGES)])
        path = f"/feeds/{number}.xml"
        feed.route = server.route(path, encoding="gzip")
        for _ in range(items):
            feed.items.append(new_item(number, len(feed.items), feed.language, rng))
        feed.route.change(rss(number, feed.items, feed.language))
        feed.url = server.url(path)
        feeds.append(feed)
    Feed.objects.bulk_create(
        Feed(source=sources[f.number % len(servers)], name=f"Bench feed {f.number}", url=f.url, interval=15)
        for f in feeds
    )
    return feeds


def one_304_poll() -> list[str]:
    """The queries of one unchanged feed's poll, run here as a job runs it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import Feed
    from articles.tasks import poll_feed

    pk = Feed.objects.order_by("pk").values_list("pk", flat=True)[0]
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        poll_feed(pk, force=True)
    return [" ".join(q["sql"].split())[:110] for q in queries.captured_queries]


def run(workers: int, options, base: dict, servers: list, log: Path) -> list[Cycle]:
    import psycopg

    env = prepare_database(base)
    feeds = subscribe(servers, options.feeds, options.items, seed=7)
    main = postmaster(env["DATABASE_URL"])
    cycles = []
    common = {"workers": workers, "concurrency": options.concurrency, "env": env, "main": main,
              "servers": servers, "timeout": options.timeout, "log": log}
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        cycles.append(cycle("A: first poll, all new", conn=conn, **common))
        cycles.append(cycle("B: unchanged, all 304", conn=conn, **common))
        if workers == options.workers[0]:
            queries = one_304_poll()
            print(f"\nOne 304 poll, its job run in this process: {len(queries)} queries")
            for query in queries:
                print(f"    {query}")
        rng = random.Random(11)
        for feed in feeds[:: round(1 / options.changed)]:
            feed.add_item(rng)
        cycles.append(cycle(f"C: {options.changed:.0%} changed, 1 new", conn=conn, **common))
    return cycles


def idle_worker(env: dict, log: Path) -> tuple[float, float]:
    """A worker's start and stop with no job waiting: wall and CPU seconds."""
    seconds, _, cpu = run_workers(1, 1, env, 60, log)
    return seconds, cpu[0]


SPIN = "import time; started = time.perf_counter(); sum(range(40_000_000)); print(time.perf_counter() - started)"


def parallel_capacity() -> tuple[float, float]:
    """Seconds of one busy Python process alone, and of the slower of two at once: on two free
    cores they are the same; the ratio is how much of a second core the machine gives now."""
    def spin(count: int) -> float:
        processes = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE, text=True)
                     for _ in range(count)]
        return max(float(p.communicate(timeout=120)[0]) for p in processes)

    return spin(1), spin(2)


# The report


def report(cycles: list[Cycle], options, idle: tuple[float, float], capacity: tuple[float, float], log: Path) -> bool:
    print(f"\nbench/feeds.py: {options.feeds:,} feeds on {options.hosts} hosts, {options.items} stories each; "
          f"workers {' and '.join(map(str, options.workers))}, {options.concurrency} jobs at once each")
    alone, together = capacity
    print(f"The machine: a busy Python process took {alone:.2f} s alone, {together:.2f} s two at once "
          f"(two processes' work in {together / alone:.2f} × the time of one's; 1.00 on two free cores)")
    print(f"A worker's start and stop with nothing to do: {idle[0]:.1f} s, {idle[1]:.1f} CPU s\n")
    header = (f"{'cycle':<22}{'wk':>3}{'queue s':>8}{'poll s':>7}{'exit s':>7}{'feeds/s':>8}{'stories':>8}"
              f"{'st/s':>6}{'ms/feed':>8}{'wk cpu':>7}{'pg cpu':>7}{'srv cpu':>8}")
    print(header)
    for c in cycles:
        load, n = c.load, c.feeds
        print(f"{c.name:<22}{c.workers:>3}{c.queue_seconds:>8.1f}{c.poll_seconds:>7.1f}{c.exit_seconds:>7.1f}"
              f"{n / c.poll_seconds:>8.1f}{c.stories:>8,}{c.stories / c.poll_seconds:>6.0f}"
              f"{1000 * c.poll_seconds / n:>8.1f}{load['workers_cpu']:>7.1f}{load['postgres_cpu']:>7.1f}"
              f"{load['bench_cpu']:>8.1f}")
    print("\n(poll s: from starting the workers to the last poll recorded, their start-up included; exit s: until "
          "the last worker stopped; wk/pg/srv cpu: CPU seconds of the workers, of PostgreSQL's processes and of this "
          "process, the feed servers)\n")
    print("Per feed polled:")
    header = (f"{'cycle':<22}{'wk':>3}{'xacts':>7}{'rollbk':>7}{'ins':>6}{'upd':>6}{'del':>6}{'blk hit':>8}"
              f"{'blk rd':>7}{'pg ms':>7}{'wk ms':>7}{'jobs':>6}{'B in':>6}{'B out':>7}{'200':>6}{'304':>6}{'host':>5}")
    print(header)
    for c in cycles:
        load, n = c.load, c.feeds
        print(f"{c.name:<22}{c.workers:>3}{load['xact_commit'] / n:>7.1f}{load['xact_rollback'] / n:>7.2f}"
              f"{load['tup_inserted'] / n:>6.1f}{load['tup_updated'] / n:>6.1f}{load['tup_deleted'] / n:>6.1f}"
              f"{load['blks_hit'] / n:>8.0f}{load['blks_read'] / n:>7.1f}{1000 * load['postgres_cpu'] / n:>7.1f}"
              f"{1000 * load['workers_cpu'] / n:>7.1f}{load['jobs_deferred']:>6}{c.wire['received'] / n:>6.0f}"
              f"{c.wire['sent'] / n:>7.0f}{c.wire['200']:>6}{c.wire['304']:>6}{c.wire['max_at_once']:>5}")
    print("\n(xacts: transactions committed, the queueing's included; ins/upd/del: rows; blk: blocks hit in shared "
          "buffers and read; pg ms, wk ms: CPU ms of PostgreSQL and of the workers; jobs: jobs deferred in the "
          "cycle, all tasks; B in/out: HTTP bytes the servers received and sent; 200/304: answers; host: most "
          "requests one host answered at once)\n")
    good = True
    for c in cycles:
        queue = f"queued {c.queued:,} polls in {c.queue_seconds:.1f} s, {c.load['queue_xacts']:,} transactions"
        notes = [text for text in c.checks if text.startswith("note: ")]
        problems = [text for text in c.checks if text not in notes]
        if problems:
            good = False
            print(f"{c.name}, {c.workers} worker(s): {queue}; PROBLEMS: {'; '.join(c.checks)}")
        else:
            print(f"{c.name}, {c.workers} worker(s): {queue}; every feed polled, none failed, no story twice "
                  f"({c.stories:,} new){''.join('; ' + note for note in notes)}")
        if c.workers > 1:
            print(f"    CPU seconds of each worker: {', '.join(f'{cpu:.1f}' for cpu in c.load['each_cpu'])}")
    if not good:
        print(f"The workers' output: {log}")
    return good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50, help="feed servers, on 127.0.0.2 and up (at most 250)")
    parser.add_argument("--items", type=int, default=10, help="stories in each feed")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes, one run each")
    parser.add_argument("--concurrency", type=int, default=4, help="jobs at once in each worker (WORKER_CONCURRENCY)")
    parser.add_argument("--changed", type=float, default=0.1, help="share of feeds with a new story in cycle C")
    parser.add_argument("--timeout", type=float, default=180, help="seconds a cycle's workers may take")
    options = parser.parse_args()
    if not 1 <= options.hosts <= 250:
        parser.error("--hosts: 1 to 250")

    base = os.environ | ENVIRONMENT  # with DATABASE_URL only if it was given
    os.environ.update(fresh_database(DATABASE, base))
    import django

    django.setup()
    expected_new = [options.feeds * options.items, 0, len(range(0, options.feeds, round(1 / options.changed)))]
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-feeds-bench-"))
    log = folder / "workers.log"
    capacity = parallel_capacity()
    servers = start_servers(options.hosts)
    try:
        cycles = []
        idle = None
        for workers in options.workers:
            cycles += run(workers, options, base, servers, log)
            if idle is None:
                idle = idle_worker(os.environ | ENVIRONMENT, log)
        good = report(cycles, options, idle, capacity, log)
        for c in cycles:
            expected = expected_new[["A", "B", "C"].index(c.name[0])]
            if c.stories != expected:
                good = False
                print(f"{c.name}, {c.workers} worker(s): {c.stories:,} new stories, expected {expected:,}")
    finally:
        for server in servers:
            server.close()
    if good:
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()

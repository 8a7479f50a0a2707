"""A production-like Newsdesk on 127.0.0.1: gunicorn with DEBUG off and collected static files.

Used by the benchmarks (bench/load.py, bench/editors_and_readers.py) and by the fault tests,
which stop the database under it. Plain HTTP on loopback: no HTTPS redirect, no HSTS.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def environment(static_root: str, **extra: str) -> dict:
    return os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": "loopback-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    } | extra


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, text=True,
        capture_output=capture,
    )
    return result.stdout if capture else ""


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url}")


@contextlib.contextmanager
def gunicorn(port: int, *, workers: int = 2, prepare=("migrate", "load_demo"), **extra_env: str):
    """Prepare the database, collect static files, serve; yield the environment used."""
    static_root = tempfile.mkdtemp(prefix="newsdesk-static-")
    env = environment(static_root, **extra_env)
    for command in prepare:
        manage(env, command, *(["--noinput", "-v0"] if command == "migrate" else []))
    manage(env, "collectstatic", "--noinput", "-v0")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsdesk.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning"],
        cwd=BASE_DIR, env=env,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        yield env
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(static_root, ignore_errors=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(name: str, env: dict) -> dict:
    """An empty database `name` on the embedded server (DATABASE_URL, if set, is used as it is)."""
    if env.get("DATABASE_URL"):
        return env
    import psycopg

    from newsdesk.embedded_postgres import start

    info = start(BASE_DIR / "var" / "pgdata").get_postmaster_info()
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return env | {"DATABASE_URL": f"postgres://postgres@/{name}?host={info.socket_dir}&port={info.port}"}

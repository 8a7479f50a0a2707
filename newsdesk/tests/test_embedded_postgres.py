"""The embedded PostgreSQL: shared by processes started one after another, robust to kill -9."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

USER = """
import sys
from pathlib import Path
from newsdesk.embedded_postgres import database_settings
db = database_settings(Path(sys.argv[1]))
print(db["HOST"], db["PORT"], flush=True)
sys.stdin.read()  # hold the server until the test closes our stdin
"""


@pytest.fixture
def var_dir():
    # A short path: the server's Unix socket lives in its data folder.
    with tempfile.TemporaryDirectory(prefix="nd-", dir="/tmp") as folder:
        yield Path(folder)
        for proc in postmasters(Path(folder)):
            proc.kill()


def postmasters(var_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(var_dir) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def start_user(var_dir: Path, *, hold: bool) -> tuple[subprocess.Popen, str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", USER, str(var_dir)], cwd=BASE_DIR, text=True,
        stdin=subprocess.PIPE if hold else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # As a process started from a terminal: a suite run under nohup would hand it SIGHUP ignored.
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
    )
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    host, port = line.split()
    return proc, host, port


def server_answers(host: str, port: str) -> bool:
    try:
        with psycopg.connect(host=host, port=port, user="postgres", dbname="newsdesk", connect_timeout=3) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def wait_until(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_two_processes_share_one_server_and_the_last_one_stops_it(var_dir):
    first, host, port = start_user(var_dir, hold=True)
    server_pid = postmasters(var_dir)[0].pid
    second, host2, port2 = start_user(var_dir, hold=False)
    assert second.wait(timeout=30) == 0
    assert (host2, port2) == (host, port)
    assert server_answers(host, port), "the second process must not stop the first one's server"
    assert [p.pid for p in postmasters(var_dir)] and postmasters(var_dir)[0].pid == server_pid

    first.stdin.close()
    assert first.wait(timeout=30) == 0
    assert wait_until(lambda: not postmasters(var_dir)), "the last process to leave stops the server"
    assert (var_dir / "pgdata" / "PG_VERSION").exists(), "the data is kept between runs"


def test_a_killed_process_does_not_block_the_next_start(var_dir):
    killed, host, port = start_user(var_dir, hold=True)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=10)

    again, host2, port2 = start_user(var_dir, hold=True)
    assert server_answers(host2, port2)
    again.stdin.close()
    assert again.wait(timeout=30) == 0
    assert wait_until(lambda: not postmasters(var_dir)), "a stale handle from the killed run must not keep it up"


def test_a_killed_server_starts_again_with_its_data(var_dir):
    user, host, port = start_user(var_dir, hold=True)
    with psycopg.connect(host=host, port=port, user="postgres", dbname="newsdesk", autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    for proc in postmasters(var_dir):
        proc.send_signal(signal.SIGKILL)
    user.send_signal(signal.SIGKILL)
    user.wait(timeout=10)
    assert wait_until(lambda: not postmasters(var_dir))
    assert (var_dir / "pgdata" / "postmaster.pid").exists(), "the kill leaves a stale lock file behind"

    again, host2, port2 = start_user(var_dir, hold=True)
    with psycopg.connect(host=host2, port=port2, user="postgres", dbname="newsdesk") as conn:
        assert conn.execute("SELECT note FROM kept").fetchone() == ("still here",)
    again.stdin.close()
    again.wait(timeout=30)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_process_stopped_by_a_signal_stops_the_server_it_started(var_dir, signum):
    # `kill`, a closed terminal, an editor's Stop button: not only Ctrl-C.
    user, host, port = start_user(var_dir, hold=True)
    assert server_answers(host, port)
    user.send_signal(signum)
    user.wait(timeout=30)
    assert wait_until(lambda: not postmasters(var_dir)), "a stopped process must not leave the server running"


def test_the_last_user_stops_the_server_though_another_died_unannounced(var_dir):
    # The runserver reloader: stopping the parent kills its child with SIGKILL, which cannot unregister.
    child, host, port = start_user(var_dir, hold=True)
    parent, _, _ = start_user(var_dir, hold=True)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    parent.stdin.close()
    assert parent.wait(timeout=30) == 0
    assert wait_until(lambda: not postmasters(var_dir)), "a dead user's handle must not keep the server up"


@pytest.fixture
def project_copy():
    """The project's code in a folder of its own (a short path: the server's socket lives in its
    var/), so that runserver there starts an embedded server of its own."""
    with tempfile.TemporaryDirectory(prefix="nd-", dir="/tmp") as folder:
        copy = Path(folder) / "p"
        shutil.copytree(BASE_DIR, copy, ignore=shutil.ignore_patterns(
            ".venv", "var", "node_modules", ".git", "staticfiles", "__pycache__", ".env"))
        yield copy
        for proc in postmasters(copy / "var"):
            proc.kill()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_runserver_stops_the_embedded_server_it_started(project_copy, signum):
    # As `make run` runs it, with the reloader: two processes use the server, and Ctrl-C (SIGINT
    # to the group) or `kill` of the group (SIGTERM) stops both.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_OWNER_URL")}
    env.update(DEBUG="1", PYTHONUNBUFFERED="1")
    var_dir = project_copy / "var"
    handles = var_dir / "pgdata" / ".handle_pids.json"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "127.0.0.1:0"], cwd=project_copy, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        two_users = lambda: handles.exists() and len(json.loads(handles.read_text() or "[]")) >= 2  # noqa: E731
        assert wait_until(two_users, seconds=90), "runserver and its reloader both use the embedded server"
        assert postmasters(var_dir)
        os.killpg(server.pid, signum)
        server.wait(timeout=30)
        assert wait_until(lambda: not postmasters(var_dir)), "stopping runserver stops the embedded server"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)

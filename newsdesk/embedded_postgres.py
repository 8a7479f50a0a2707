"""The embedded PostgreSQL server that Newsdesk uses when DATABASE_URL is not set.

The server comes from the `pgserver` package and keeps its data in `var/pgdata`, so stories
survive between runs. Every process that uses it (runserver and its reloader, the tests, a
management command) registers its pid; the server stops when the last of them exits. A process
killed with SIGKILL cannot unregister, so stale pids are dropped before each start, and so is
the `postmaster.pid` of a server that was killed the same way. A process stopped by SIGTERM or
SIGHUP (a closed terminal, `kill`, an editor's Stop button) exits as if it had ended, so it
unregisters too; on its way out it also forgets users that died unannounced (the reloader's
child, killed with SIGKILL when its parent stops, after waiting a moment for its own children to
end), so the last process to leave stops the server.

It has two roles: `postgres`, the superuser that owns the tables and migrates them (and owns the
data of databases made before there were two roles), and `newsdesk_app`, which the app logs in
as and which `migrate` grants only what the app needs (newsdesk/least_privilege.py).
"""

import atexit
import json
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

DATABASE_NAME = "newsdesk"
OWNER = "postgres"
APP_ROLE = "newsdesk_app"


def database_settings(var_dir: Path) -> dict:
    """Start (or reuse) the embedded server and return Django's settings for its database, as the app's role."""
    pgdata = var_dir / "pgdata"
    server = start(pgdata)
    info = server.get_postmaster_info()
    ensure_database(str(info.socket_dir), info.port)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": APP_ROLE,
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def start(pgdata: Path):
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp; that is fine.
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver.postgres_server import PostgresServer

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        drop_stale_handles(pgdata)
        drop_stale_postmaster_pid(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    # Registered after pgserver's own exit handler, so it runs first (atexit runs in reverse).
    atexit.register(forget_the_dead, pgdata)
    exit_on_termination()
    return server


def forget_the_dead(pgdata: Path) -> None:
    """On the way out: drop the handles of users that died unannounced, keeping our own, so that
    pgserver, which stops the server when only our pid is left, sees that we are the last."""
    from pgserver.postgres_server import PostgresServer

    wait_for_children(pgdata)
    with PostgresServer._lock:
        drop_stale_handles(pgdata, keep_own=True)


def wait_for_children(pgdata: Path, seconds: float = 5) -> None:
    """Wait a little for our own child processes that use the server (runserver's reloader and
    the child it runs) to end. On Ctrl-C the reloader kills its child after a quarter of a second
    without reaping it: on a busy machine the child can still look alive when we decide whether
    we are the last user, and then nobody stops the server. Waiting reaps a killed child and lets
    one that is exiting on its own unregister first. Outside the lock, which the child needs."""
    try:
        pids = set(json.loads((pgdata / ".handle_pids.json").read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return
    try:
        children = [child for child in psutil.Process().children() if child.pid in pids]
    except psutil.Error:
        return
    if children:
        psutil.wait_procs(children, timeout=seconds)


def exit_on_termination() -> None:
    """Make SIGTERM and SIGHUP end this process through sys.exit, which runs the exit handlers
    (Python's default for them ends the process at once). A handler someone else installed
    (gunicorn's, a test runner's) is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, exit_for_signal)


def exit_for_signal(signum, frame) -> None:
    sys.exit(128 + signum)


def drop_stale_handles(pgdata: Path, *, keep_own: bool = False) -> None:
    """Forget processes that used the server and died without saying so (kill -9, OOM). Before a
    start our own pid is dropped too (a handle of an earlier process that had it); at exit it is
    kept."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except FileNotFoundError:
        return
    except ValueError:
        pids = None  # a process killed while writing the list left it truncated
    if not isinstance(pids, list):
        pids = []
    alive = [
        pid for pid in pids
        if isinstance(pid, int) and (keep_own or pid != os.getpid()) and is_alive(pid)
    ]
    if alive != pids or not handles.read_text().strip():
        partial = handles.with_suffix(".tmp")
        partial.write_text(json.dumps(alive))
        partial.replace(handles)


def is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def drop_stale_postmaster_pid(pgdata: Path) -> None:
    """Remove the lock file of a postmaster that is gone, so pgserver starts a new one.

    pgserver trusts any live process with the recorded pid; a postmaster killed with SIGKILL
    can linger as a zombie where nothing reaps orphans (containers without an init), and its pid
    can be reused by an unrelated process. PostgreSQL would clear such a file itself, but
    pgserver never gets as far as starting it.
    """
    lock_file = pgdata / "postmaster.pid"
    try:
        lines = lock_file.read_text().splitlines()
        pid = int(lines[0])
    except (FileNotFoundError, IndexError, ValueError):
        return
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres"
    except psutil.Error:
        alive = False
    if alive:
        return
    # The socket's own lock file names the same pid, and PostgreSQL refuses to start over it.
    if len(lines) > 4 and lines[3].strip() and lines[4].strip():
        socket = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}"
        socket.with_name(socket.name + ".lock").unlink(missing_ok=True)
        socket.unlink(missing_ok=True)
    lock_file.unlink(missing_ok=True)


def ensure_database(host: str, port: int) -> None:
    with psycopg.connect(host=host, port=port, user=OWNER, dbname="postgres", autocommit=True) as conn:
        ensure_app_role(conn)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if exists:
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(DATABASE_NAME)))
        except psycopg.errors.DuplicateDatabase:
            pass  # another process created it between our check and our CREATE


def ensure_app_role(conn: psycopg.Connection) -> None:
    """The app's log-in role: no superuser, creates no database or role, replicates nothing,
    never bypasses row security. It is trusted on the server's own socket, like `postgres`."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone():
        return
    try:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS").format(
                sql.Identifier(APP_ROLE)
            )
        )
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        pass  # another process created it between our check and our CREATE

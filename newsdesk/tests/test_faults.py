"""Faults (security.md E1, E2, E5): the database stops under a running server, or a lock is held.

A PostgreSQL cluster of the test's own, on its own port, is stopped (`pg_ctl stop -m immediate`)
and started again under gunicorn with production settings: pages answer a clean 503, an htmx
save shows the error banner and keeps what the editor typed, and the app recovers by itself.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.server import free_port, gunicorn
from conftest import CHROMIUM


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class Cluster:
    """A throw-away PostgreSQL cluster, run as the postgres user when we are root."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="newsdesk-fault-", dir="/tmp"))
        self.root.chmod(0o755)
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("NEWSDESK_REQUIRE_BROWSER"):
            pytest.fail("PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin)")
        pytest.skip("PostgreSQL's server binaries are not installed")
    cluster = Cluster(bin_dir)
    cluster.start()
    yield cluster
    cluster.remove()


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_e1_e2_database_stops_under_a_running_server_and_comes_back(cluster, browser):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed")
    port = free_port()
    with gunicorn(port, DATABASE_URL=cluster.url, DATABASE_CONN_MAX_AGE="60") as env:
        from bench.server import manage

        target = json.loads(manage(env, "shell", "-c", SETUP_EDITOR, capture=True).strip().splitlines()[-1])
        base = f"http://127.0.0.1:{port}"
        context = browser.new_context(base_url=base)
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            page.goto("/accounts/login/")
            page.fill("#id_username", "faulty")
            page.fill("#id_password", "faulty-password-1")
            page.click("main button[type=submit]")
            page.wait_for_url("**/desk/")
            page.goto(f"/desk/articles/{target['article']}/")
            card = page.locator(f"#claim-{target['claim']}")
            card.locator("summary", has_text="Change status").click()
            card.locator("select[name=status]").select_option("disputed")
            typed = "A second ministry contradicts it; typed while the database was down"
            card.locator("textarea[name=reason]").fill(typed)

            cluster.stop()
            stopped = time.monotonic()
            card.locator("button", has_text="Save status").click()
            banner = page.locator("#request-error")
            banner.wait_for(state="visible")
            assert "database is not answering" in banner.inner_text()
            assert card.locator("textarea[name=reason]").input_value() == typed
            status, headers, body = fetch(f"{base}/")
            assert status == 503 and headers.get("Retry-After") == "5"
            assert "Back in a moment" in body and "Traceback" not in body and "psycopg" not in body
            assert fetch(f"{base}/healthz")[0] == 503
            assert time.monotonic() - stopped < 15

            cluster.start()
            started = time.monotonic()
            while fetch(f"{base}/")[0] != 200:
                assert time.monotonic() - started < 5, "not back within 5 s of the database"
                time.sleep(0.1)
            recovered = time.monotonic() - started
            card.locator("button", has_text="Save status").click()
            page.locator("#desk-message", has_text="disputed").wait_for()
            assert banner.is_hidden()
        finally:
            context.close()
        check = "from annotations.models import Claim; c = Claim.objects.get(pk=%d); print(c.status, c.history.last().reason)"
        assert manage(env, "shell", "-c", check % target["claim"], capture=True).strip().splitlines()[-1] == f"disputed {typed}"
    print(f"recovered {recovered:.2f} s after the database started again")


SETUP_EDITOR = """
import json
from django.contrib.auth.models import User
from annotations.models import Claim
from annotations.roles import ensure_editors_group
user = User.objects.create_user("faulty", password="faulty-password-1")
user.groups.add(ensure_editors_group())
claim = Claim.objects.exclude(status__in=["disputed", "confirmed"]).order_by("pk").first()
print(json.dumps({"article": claim.article_id, "claim": claim.pk}))
"""


@pytest.mark.django_db(transaction=True)
def test_e5_a_held_row_lock_fails_the_request_cleanly_within_the_lock_timeout(editor):
    import psycopg

    from annotations.tests.makers import add_attribution, make_claim
    from articles.models import Source
    from articles.tests.makers import make_article, make_source

    story = make_article(body="Kim Jong Un's train left Pyongyang. Officials said so.")
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(kind=Source.Kind.GOVERNMENT))
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=False) as other:
        other.execute("SELECT id FROM annotations_claim WHERE id = %s FOR UPDATE", [claim.pk])
        client = Client(raise_request_exception=False)
        client.force_login(editor)
        began = time.monotonic()
        response = client.post(
            reverse("desk:claim-status-update", args=[claim.pk]),
            {"status": "reported", "reason": "Two agencies", "version": claim.version},
            headers={"HX-Request": "true"},
        )
        waited = time.monotonic() - began
        other.rollback()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert 2.5 < waited < 6, waited  # lock_timeout is 3 s
    claim.refresh_from_db()
    assert claim.status == "unverified" and claim.history.count() == 0

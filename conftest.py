"""Personas for every test: the anonymous public, an editor and a maintainer."""

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.roles import ensure_editors_group


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The tests run as the tables' owner (DATABASE_OWNER_URL, or the embedded server's
    superuser): pytest-django creates the test database and empties it with TRUNCATE between
    transactional tests. newsdesk/tests/test_least_privilege.py connects as the app's role."""
    from newsdesk.least_privilege import connected_as_owner

    with connected_as_owner():
        yield


@pytest.fixture(autouse=True)
def test_server_settings(settings):
    """The test client speaks plain HTTP and static files are not collected for each test run;
    newsdesk/tests checks the HTTPS redirect and the collected, hashed static files."""
    settings.SECURE_SSL_REDIRECT = False
    # Each test gets an empty cache of its own process (the file cache is the dev server's).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from django.core.cache import cache

    cache.clear()
    from annotations.related import _frequencies

    _frequencies.clear()  # the entities' story counts a process keeps for ten minutes
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def empty_job_queue(request, django_db_blocker):
    """After a test that commits (transactional, or with the live server), the jobs it queued are
    dropped, as pytest-django empties every other table: procrastinate's tables are not Django's
    to flush (its models are unmanaged), and a job left behind would be the next test's."""
    yield
    marker = request.node.get_closest_marker("django_db")
    committed = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction"))
    if committed:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_periodic_defers CASCADE")


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user("edna", password="edna-password-1")
    # ensure_editors_group: a transactional test before this one may have flushed the group.
    user.groups.add(ensure_editors_group())
    return user


@pytest.fixture
def maintainer(db) -> User:
    return User.objects.create_user("max", password="max-password-1", is_staff=True, is_superuser=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def maintainer_client(client, maintainer):
    client.force_login(maintainer)
    return client


@pytest.fixture
def count_queries():
    """Load a page (which must answer 200) and return how many SQL queries it made.

    The page is loaded once before counting, so per-process caches that the first request fills
    (content types, for one) do not make the first count differ from later ones.
    """

    def count(client, url: str) -> int:
        from django.core.cache import cache

        client.get(url)
        cache.clear()  # count what the view does, not a page served whole from the cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries)

    return count


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing Chromium skips, unless CI demands it."""
    if not CHROMIUM.exists():
        message = "Chromium is not installed: apt-get install chromium"
        if os.environ.get("NEWSDESK_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still
    # synchronous, as djangoproject.com's Playwright tests also allow.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, on plain HTTP: its middleware reads the HTTPS settings once,
    when the server starts, so they are off for that moment only."""
    from django.conf import settings
    from pytest_django.live_server_helper import LiveServer

    saved = settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = False, 0
    try:
        server = LiveServer("127.0.0.1")
    finally:
        settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = saved
    yield server
    server.stop()


# Every page of every browser test reports Content-Security-Policy violations here (security.md
# B7): a test that ran any flow fails if the policy blocked anything on the way.
CSP_RECORDER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline code"} on ${location.pathname}`);
});
"""


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, to run in a page: `make test` installs it with npm."""
    if not AXE.exists():
        message = "axe-core is not installed: run `npm ci` (make test does)"
        if os.environ.get("NEWSDESK_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


REFUSED_FORM = re.compile(r"Failed to load resource: the server responded with a status of (409|422) ")


def watched_page(browser, base_url: str):
    """A page in a context of its own that records every Content-Security-Policy violation and
    every console error; check_watched() fails the test on any."""
    context = browser.new_context(base_url=base_url)
    violations: list[str] = []
    context.expose_binding("__reportCspViolation", lambda source, text: violations.append(text))
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.csp_violations = violations
    # The console too stays empty: no script error, no resource missing, no failed request.
    # The one line it may hold is the browser's note of a form the desk refused (409, 422): the
    # page shows the reasons where the editor typed, and tests that provoke one check them.
    console_errors: list[str] = []

    def console_line(message) -> None:
        if message.type == "error" and not REFUSED_FORM.match(message.text):
            console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console_line)
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    page.console_errors = console_errors
    page.set_default_timeout(10_000)
    return page


def check_watched(page) -> None:
    page.context.close()
    assert page.csp_violations == [], "the Content Security Policy blocked something"
    assert page.console_errors == [], "the browser's console reported errors"


@pytest.fixture
def page(browser, live_server, settings):
    # The live server speaks plain HTTP, where a browser keeps no Secure (or __Host-) cookie.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = False
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "sessionid", "csrftoken"
    page = watched_page(browser, live_server.url)
    yield page
    check_watched(page)


@pytest.fixture
def reader_page(browser, live_server, page):
    """A second browser, logged in as nobody: a reader of the public site, watched the same way."""
    reader = watched_page(browser, live_server.url)
    yield reader
    check_watched(reader)


@pytest.fixture
def editor_page(page, live_server, editor, client):
    """A browser page already logged in as the editor (the log-in form has its own test)."""
    from django.conf import settings

    client.force_login(editor)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return page

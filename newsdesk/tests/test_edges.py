"""The edges of issue 13: log-in lock-out, request bodies, and what desk responses let caches keep."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from newsdesk.tests.test_security import world  # noqa: F401 - the fixture of one of everything
from articles.tests.makers import post_import

LOGIN = "/accounts/login/"


# --- 1. The log-in lock-out counts per account and per address, and nobody else's success resets it

@pytest.fixture
def accounts(db, settings) -> list[User]:
    """Mallory, who knows her own password, and the accounts she guesses at."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a hundred log-ins, quickly
    mallory = User.objects.create_user("mallory", password="mallory-password-1")
    others = [User.objects.create_user(name, password=f"{name}-password-1") for name in ("edna", "ed", "eve", "ezra")]
    return [mallory, *others]


def log_in(username: str, password: str, address: str = "198.51.100.23") -> int:
    """One log-in from a fresh client (a logged-in client would be redirected past the form)."""
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password}).status_code


def test_nine_guesses_and_ones_own_log_in_repeated_lock_the_account_guessed_at(accounts):
    guesses = []
    for round in range(5):
        guesses += [log_in("edna", f"guess-{round}-{i}") for i in range(9)]
        log_in("mallory", "mallory-password-1")
    assert guesses[:9] == [200] * 9 and set(guesses[9:]) == {429}
    # Edna's right password, from Mallory's address or from Edna's own: the account is locked.
    assert log_in("edna", "edna-password-1") == 429
    assert log_in("edna", "edna-password-1", address="203.0.113.5") == 429


def test_forty_guesses_over_several_accounts_with_ones_own_log_ins_between_lock_the_address(accounts):
    targets = [user.username for user in accounts[1:]]
    guesses = []
    for i in range(40):
        guesses.append(log_in(targets[i % len(targets)], f"guess-{i}"))
        if i % 3 == 2:
            log_in("mallory", "mallory-password-1")
    # At most the limit's worth of guesses were answered; every later one was refused unheard.
    assert guesses.count(200) < settings.AXES_FAILURE_LIMIT and guesses[-1] == 429
    assert log_in("mallory", "mallory-password-1") == 429
    for name in targets:
        assert log_in(name, f"{name}-password-1") == 429


def test_a_locked_accounts_right_password_is_refused_and_logs_nobody_in(accounts):
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in("edna", f"guess-{i}", address=f"192.0.2.{i}")
    client = Client(REMOTE_ADDR="203.0.113.5")
    response = client.post(LOGIN, {"username": "edna", "password": "edna-password-1"})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_a_user_with_a_few_typos_of_their_own_still_gets_in_each_time(accounts):
    for _ in range(3):
        assert [log_in("edna", "edna-pasword-1") for _ in range(2)] == [200, 200]
        assert log_in("edna", "edna-password-1") == 302


# --- 3. Request bodies are capped before anything reads them -------------------------------

class UnreadBody:
    """A request body that fails the test if anything reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def declaring(length: int) -> dict:
    """A request's WSGI environment declaring a body of `length` bytes that is never sent."""
    return {"CONTENT_LENGTH": str(length), "wsgi.input": UnreadBody()}


def test_a_log_in_declaring_a_body_over_the_limit_is_refused_unread(client, db):
    response = client.post(LOGIN, content_type="multipart/form-data; boundary=x", **declaring(300 * 2**20))
    assert response.status_code == 413
    assert f"up to {settings.REQUEST_MAX_BODY_BYTES:,} bytes" in response.content.decode()
    # A body of exactly the limit is read as usual (and, unsent, fails the test here).
    with pytest.raises(AssertionError, match="the body was read"):
        client.post(LOGIN, content_type="multipart/form-data; boundary=x", **declaring(settings.REQUEST_MAX_BODY_BYTES))


def test_an_upload_over_the_import_routes_limit_is_refused_unread(editor_client):
    response = editor_client.post(reverse("desk:import"), **declaring(settings.IMPORT_MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413
    assert f"up to {settings.IMPORT_MAX_REQUEST_BYTES:,} bytes" in response.content.decode()


def test_only_a_request_with_a_session_may_send_the_upload_route_more_than_any_other(editor_client, settings):
    settings.IMPORT_MAX_REQUEST_BYTES = 4 * settings.REQUEST_MAX_BODY_BYTES  # as with a raised IMPORT_MAX_UPLOAD_BYTES
    larger = declaring(2 * settings.REQUEST_MAX_BODY_BYTES)
    assert Client().post(reverse("desk:import"), **larger).status_code == 413
    with pytest.raises(AssertionError, match="the body was read"):  # let through, to the view
        editor_client.post(reverse("desk:import"), **larger)
    assert editor_client.post(reverse("desk:claim-create", args=[1]), **larger).status_code == 413


def test_a_body_that_is_no_length_at_all_is_a_bad_request(client, db):
    for length in ("-1", "1e9", "١٢", " 12"):
        response = client.post(LOGIN, CONTENT_LENGTH=length, **{"wsgi.input": UnreadBody()})
        assert response.status_code == 400, length


def test_a_log_in_and_an_upload_a_little_over_the_file_limit_still_reach_their_views(db, client, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.models import Article

    response = client.post(LOGIN, {"username": "edna", "password": "edna-password-1"})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    story = b'{"title": "Uploaded", "body": "Officials met.", "publisher": {"name": "Wire"}}\n'
    response = post_import(client, {"file": SimpleUploadedFile("s.jsonl", story), "format": "auto"})
    assert response.status_code == 200 and Article.objects.get().title == "Uploaded"
    # Over the file's limit but within the route's: the form's own message, which says why.
    large = SimpleUploadedFile("big.txt", b"Title\n" + b"x" * settings.IMPORT_MAX_UPLOAD_BYTES)
    response = post_import(client, {"file": large, "format": "auto"})
    assert response.status_code == 413
    assert f"files of up to {settings.IMPORT_MAX_UPLOAD_BYTES:,} bytes" in response.content.decode()


def test_uploads_are_kept_in_memory_and_form_fields_have_the_same_limit_as_bodies():
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= settings.IMPORT_MAX_REQUEST_BYTES >= settings.IMPORT_MAX_UPLOAD_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.REQUEST_MAX_BODY_BYTES
    assert settings.MIDDLEWARE[0] == "newsdesk.middleware.request_body_limit"


@pytest.fixture(scope="module")
def gunicorn_server(django_db_setup):
    """gunicorn with production settings on the test database, as the tables' owner (named as
    Django names it: this module-wide fixture can start before a test's own database fixture
    has pointed the connection's settings at it)."""
    from types import SimpleNamespace
    from urllib.parse import quote

    from django.db import connection
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    from bench.server import free_port, gunicorn

    db = connection.settings_dict
    name = db["NAME"] if db["NAME"].startswith(TEST_DATABASE_PREFIX) else connection.creation._get_test_db_name()
    url = (f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@/{quote(name)}"
           f"?host={quote(str(db['HOST']))}&port={db['PORT'] or 5432}")
    port = free_port()
    with gunicorn(port, workers=1, prepare=(), DATABASE_URL=url, DATABASE_CONN_MAX_AGE="0"):
        yield SimpleNamespace(port=port)


def send_chunked(port: int, path: str, body_parts, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """POST a body in chunks over a raw socket, as curl sends one without a length; the answer."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.putrequest("POST", path)
    for name, value in {"Transfer-Encoding": "chunked", **(headers or {})}.items():
        connection.putheader(name, value)
    connection.endheaders()
    try:
        for part in body_parts:
            connection.send(b"%x\r\n%s\r\n" % (len(part), part))
        connection.send(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and closed without reading the rest: the answer is waiting
    response = connection.getresponse()
    answer = response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    connection.close()
    return answer


@pytest.mark.django_db  # the server's database is the test database
def test_a_chunked_body_over_the_limit_is_refused_by_a_running_server(gunicorn_server):
    part = b"x" * 16_384
    over = settings.REQUEST_MAX_BODY_BYTES // len(part) + 4  # a little over the limit, in 16 KiB chunks
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, headers, page = send_chunked(gunicorn_server.port, LOGIN, [part] * over, form)
    assert status == 413 and f"up to {settings.REQUEST_MAX_BODY_BYTES:,} bytes".encode() in page
    assert headers["connection"] == "close"  # the rest is never read, nor taken for another request


@pytest.mark.django_db  # the server's database is the test database
def test_a_chunked_body_cut_off_or_malformed_is_a_bad_request_not_a_server_error(gunicorn_server):
    import socket

    for body in (b"5\r\nab", b"zz\r\nabc\r\n0\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", gunicorn_server.port), timeout=20) as sock:
            head = b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            sock.sendall(head + body)
            sock.shutdown(socket.SHUT_WR)  # and nothing more comes
            answer = b""
            while part := sock.recv(65536):
                answer += part
        assert answer.startswith(b"HTTP/1.1 400 "), (body, answer[:200])


def test_a_small_chunked_body_is_read_whole_by_a_running_server(transactional_db, gunicorn_server, editor):
    """A log-in sent in chunks: its fields, CSRF token included, arrive, and the editor is in."""
    import re
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{gunicorn_server.port}{LOGIN}", timeout=20) as page:
        cookie = page.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    form = f"csrfmiddlewaretoken={token}&username=edna&password=edna-password-1".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    status, headers, _ = send_chunked(gunicorn_server.port, LOGIN, [form[:20], form[20:]], headers)
    assert status == 302 and headers["location"] == reverse("desk:inbox")


def test_a_chunked_body_to_a_server_that_cannot_pass_it_on_asks_for_a_length(live_server):
    """Django's runserver (and the live test server) hand the app no chunked body: 411."""
    from urllib.parse import urlsplit

    status, headers, page = send_chunked(urlsplit(live_server.url).port, LOGIN, [b"username=edna"])
    assert status == 411 and b"Content-Length" in page
    assert headers["connection"] == "close"  # the chunks left unread are not taken for another request


# --- 5. Desk, log-in and admin responses are never stored by any cache --------------------

def never_stored(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_every_desk_route_tells_caches_to_keep_nothing(world):
    from newsdesk.tests.test_security import client_as, every_route, roles

    users = roles()
    editor, maintainer = client_as(users["editor"]), client_as(users["superuser"])
    desk = [(name, url) for name, url, rule in every_route(world) if rule == "editor"]
    assert len(desk) >= 20
    for method in ("get", "post"):  # the POSTs last: some delete what other routes name (then 404)
        for name, url in desk:
            response = getattr(editor, method)(url)
            where = (method, name, url, response.get("Cache-Control"))
            assert response.status_code < 500 and never_stored(response), where
    for url in (reverse("admin:index"), reverse("admin:articles_article_changelist")):
        assert never_stored(maintainer.get(url)), url
    for response in (Client().get(LOGIN), Client().get(reverse("desk:inbox")), editor.post(reverse("logout"))):
        assert never_stored(response), response.get("Cache-Control")
    # The public pages keep their own Cache-Control, which the page cache stores by.
    assert "public" in Client().get(reverse("articles:list"))["Cache-Control"]


def test_gunicorn_believes_no_scheme_header_only_django_decides(gunicorn_server):
    """Without SECURE_PROXY_SSL_HEADER nothing a client sends makes a page's links https://
    (gunicorn.conf.py: gunicorn itself trusts no forwarded scheme headers, even from 127.0.0.1)."""
    import http.client

    for header in ({"X-Forwarded-Ssl": "on"}, {"X-Forwarded-Proto": "https"}, {"X-Forwarded-Protocol": "ssl"}):
        connection = http.client.HTTPConnection("127.0.0.1", gunicorn_server.port, timeout=20)
        connection.request("GET", "/feed/", headers={"Host": "127.0.0.1", **header})
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        assert response.status == 200 and "http://127.0.0.1" in body and "https://" not in body.replace("https://schema", "")


def test_gunicorn_gives_each_web_worker_one_thread_for_numerical_libraries(monkeypatch):
    """gunicorn.conf.py: the workers already use every core; OpenBLAS threads in each of them
    waited on each other under load. What the environment says wins."""
    import runpy

    from django.conf import settings

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    import os

    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["OMP_NUM_THREADS"] == "4"


def test_a_web_process_has_the_language_detector_s_model_before_its_first_request():
    """newsdesk/wsgi.py loads it as the process starts: about a second that the first claim page
    (and every request queued behind it) would otherwise wait."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    probe = "import newsdesk.wsgi, py3langid.langid as l; print(l.IDENTIFIER is not None)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "newsdesk.settings"})
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr[-2000:]

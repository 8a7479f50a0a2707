import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "postgres://newsdesk@db.invalid:5432/newsdesk",  # never connected to by these checks
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    ours = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DATABASE_OWNER_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    clean["NEWSDESK_ENV_FILE"] = ""  # a developer's own .env must not change what these check
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=clean | env, capture_output=True, text=True, timeout=120
    )


def test_g1_deploy_check_passes_with_the_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked_for():
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env=PRODUCTION | {"DEBUG": ""})
    assert result.stdout.strip().endswith("False"), result.stderr


def test_secret_key_is_required_with_debug_off():
    result = manage("check", env={k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_boolean_variables_are_strict():
    result = manage("check", env=PRODUCTION | {"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_the_app_logs_in_as_database_urls_role_and_migrate_as_the_owners():
    show = "from django.conf import settings as s; print(s.DATABASES['default']['USER'], s.DATABASE_OWNER)"
    owner = "postgres://newsdesk:owner-secret@db-owner.invalid:6543/newsdesk"
    result = manage("shell", "-c", show, env=PRODUCTION | {"DATABASE_OWNER_URL": owner})
    expected = {"USER": "newsdesk", "PASSWORD": "owner-secret", "HOST": "db-owner.invalid", "PORT": 6543}
    assert result.stdout.strip().endswith(f"newsdesk {expected}"), result.stderr
    alone = manage("shell", "-c", show, env=PRODUCTION)
    assert alone.stdout.strip().endswith("newsdesk None"), alone.stderr


def test_an_owner_url_without_the_apps_own_url_is_refused():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = manage("check", env=env | {"DATABASE_OWNER_URL": "postgres://newsdesk@db.invalid/newsdesk"})
    assert result.returncode != 0
    assert "DATABASE_OWNER_URL needs DATABASE_URL" in result.stderr


def test_plain_http_is_redirected_to_https_in_production(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("articles:list"))
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get(reverse("articles:list"), secure=True).status_code == 200


def test_pages_load_htmx_from_our_own_static_files(client, db):
    page = client.get(reverse("articles:list")).content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in page
    assert "//unpkg" not in page and "cdn" not in page


def test_g2_production_responses_carry_the_security_headers(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("articles:list"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_collected_static_files_are_served_with_hashed_names(tmp_path):
    env = PRODUCTION | {"STATIC_ROOT": str(tmp_path)}
    result = manage("collectstatic", "--noinput", "-v0", env=env)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("css/newsdesk.*.css"))
    assert list(tmp_path.glob("django_htmx/htmx-2.min.*.js"))


def test_the_apps_connections_carry_their_time_limits_and_no_parallel_workers(db):
    from django.db import connection

    with connection.cursor() as cursor:
        for name, expected in [("statement_timeout", "5s"), ("lock_timeout", "3s"), ("max_parallel_workers_per_gather", "0")]:
            cursor.execute(f"SHOW {name}")
            assert cursor.fetchone()[0] == expected

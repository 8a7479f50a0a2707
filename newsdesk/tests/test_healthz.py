import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down():
    # A real failure: the app pointed at a port where no PostgreSQL listens.
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', secure=True);"
        "print(r.status_code, r.content.decode().strip())"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "newsdesk.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/newsdesk",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "DEBUG": "0",
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "503 database unavailable", result.stderr

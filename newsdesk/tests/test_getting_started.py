"""Getting started as the README says: `make run` writes a .env that every manage.py command reads,
the banner sends editors to the desk and maintainers to the admin, and an editor who tries the
admin is told where the desk is."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]
OURS = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DATABASE_OWNER_URL", "ALLOWED_HOSTS", "NEWSDESK_ENV_FILE"}
SHOW_DEBUG = "from django.conf import settings; print('DEBUG is', settings.DEBUG)"
# Never connected to: these commands only read the settings.
UNUSED_DATABASE = "postgres://newsdesk@db.invalid:5432/newsdesk"


@pytest.fixture(scope="module")
def checkout():
    """The project as a newcomer has it, in a folder of its own, with no .env yet."""
    with tempfile.TemporaryDirectory(prefix="nd-start-") as folder:
        copy = Path(folder) / "newsdesk"
        shutil.copytree(BASE_DIR, copy, ignore=shutil.ignore_patterns(
            ".venv", "var", "node_modules", ".git", "staticfiles", "__pycache__", ".env"))
        yield copy


def run(checkout: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OURS} | {"DATABASE_URL": UNUSED_DATABASE}
    return subprocess.run(list(args), cwd=checkout, env=clean | (env or {}), capture_output=True, text=True, timeout=120)


def test_make_run_writes_a_dotenv_that_every_manage_py_command_reads(checkout):
    before = run(checkout, sys.executable, "manage.py", "shell", "-c", SHOW_DEBUG)
    assert before.returncode != 0 and "SECRET_KEY must be set" in before.stderr
    assert "make run" in before.stderr, "the message says how to get development settings"

    made = run(checkout, "make", ".env")
    assert made.returncode == 0, made.stderr
    assert "DEBUG=1" in (checkout / ".env").read_text()
    after = run(checkout, sys.executable, "manage.py", "shell", "-c", SHOW_DEBUG)
    assert after.returncode == 0, after.stderr
    assert "DEBUG is True" in after.stdout
    # `make run` would not write it again over an editor's own changes.
    (checkout / ".env").write_text("DEBUG=1\nALLOWED_HOSTS=127.0.0.1,newsdesk.test\n")
    assert run(checkout, "make", ".env").returncode == 0
    assert "newsdesk.test" in (checkout / ".env").read_text()


def test_the_environment_wins_over_the_dotenv(checkout):
    (checkout / ".env").write_text("DEBUG=1\n")
    result = run(checkout, sys.executable, "manage.py", "check", env={"DEBUG": "0"})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_a_bad_value_in_the_dotenv_is_named(checkout):
    (checkout / ".env").write_text("this line is not a setting\nDEBUG=maybe\n")
    result = run(checkout, sys.executable, "manage.py", "check")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr and "'maybe'" in result.stderr
    assert "Traceback" not in result.stderr.split("ImproperlyConfigured")[-1]


def test_gunicorn_and_the_image_never_read_a_stray_dotenv(checkout):
    (checkout / ".env").write_text("DEBUG=1\n")
    # What gunicorn imports: the settings, through newsdesk.wsgi, never manage.py.
    result = run(checkout, sys.executable, "-c", "import newsdesk.settings")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    assert ".env" in (BASE_DIR / ".dockerignore").read_text().split(), "the image must not copy a .env in"
    assert ".env" in (BASE_DIR / ".gitignore").read_text().split()


def test_the_banner_sends_editors_to_the_desk_and_maintainers_to_the_admin(db, settings, tmp_path, capsys, monkeypatch):
    from articles.management.commands import prepare_dev

    settings.DEBUG = True
    settings.BASE_DIR = tmp_path  # the accounts' passwords are written under var/ here, not in the checkout
    # Its migrate, load_demo and embed_statements are tested elsewhere; migrate would switch to the owner's connection.
    ran = []
    monkeypatch.setattr(prepare_dev, "call_command", lambda name, *args, **kwargs: ran.append(name))
    call_command("prepare_dev")
    assert ran == ["migrate", "load_demo", "embed_statements"]
    banner = capsys.readouterr().out
    desk_line = next(line for line in banner.splitlines() if "/desk/" in line)
    admin_line = next(line for line in banner.splitlines() if "/admin/" in line)
    assert "Editors" in desk_line and "Maintainers" in admin_line
    lines = banner.splitlines()
    assert lines[lines.index(desk_line) + 1].split()[0] == "editor"
    assert lines[lines.index(admin_line) + 1].split()[0] == "maintainer"


def test_an_editor_at_the_admins_door_is_told_where_the_desk_is(client, editor):
    editor.set_password("right-password-1")
    editor.save()
    url = reverse("admin:login")
    answer = client.post(url, {"username": editor.username, "password": "right-password-1"})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "not one" in page and "/desk/" in page
    assert "_auth_user_id" not in client.session, "the admin does not log an editor in"


def test_a_wrong_password_at_the_admin_says_nothing_about_the_account(client, editor):
    answer = client.post(reverse("admin:login"), {"username": editor.username, "password": "wrong-password-1"})
    page = answer.content.decode()
    assert "/desk/" not in page and "correct username and password" in page


def test_an_editor_logged_in_already_is_pointed_from_the_admin_to_the_desk(editor_client):
    # Found by a new editor: Django says only "You are authenticated as editor, but are not authorized".
    page = editor_client.get(reverse("admin:login")).content.decode()
    assert 'href="/desk/"' in page and "is not one" in page

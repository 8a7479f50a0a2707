#!/usr/bin/env python
import os
import sys
from pathlib import Path


def read_development_settings() -> None:
    """Read the development settings `make run` writes to .env (NEWSDESK_ENV_FILE names another
    file; empty, none). Only manage.py reads it, never gunicorn, and a variable already set in the
    environment always wins, so a stray .env cannot change a deployment's settings."""
    from dotenv import load_dotenv

    path = os.environ.get("NEWSDESK_ENV_FILE", str(Path(__file__).resolve().with_name(".env")))
    if path:
        load_dotenv(path, override=False, encoding="utf-8")


def main() -> None:
    read_development_settings()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

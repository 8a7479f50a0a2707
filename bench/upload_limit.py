"""How many stories, and bytes, a desk upload (/desk/import/) imports in a given time.

    DATABASE_URL=postgres://…/newsdesk_upload_bench .venv/bin/python bench/upload_limit.py [--seconds 10]

The upload is imported inside the request, and gunicorn ends a worker after 30 s, so an upload
must finish well within that: IMPORT_MAX_UPLOAD_STORIES and IMPORT_MAX_UPLOAD_BYTES are set from
these figures. Each file is posted through the real view (form, import, report page) by a logged-in
editor into the database DATABASE_URL names (migrated here; use an empty one): short stories
(the per-story cost), stories with mentions and a claim, long stories (the per-byte cost) and an
RSS feed. It prints each one's rate and what of it fits in --seconds.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

WORDS = "the minister said talks would continue next week after officials met in the capital".split()


def short_story(batch: str, n: int) -> dict:
    return {"title": f"Short {n}", "body": f"Officials met on day {n}.", "url": f"https://upload.example/{batch}/{n}",
            "language": "en", "publisher": {"name": "Upload bench", "kind": "publication", "country": "ID"}}


def annotated_story(batch: str, n: int) -> dict:
    body = f"Kim Jong Un met Putin in Vostochny, Yonhap reported.\n\nThe talks lasted {n} minutes."
    talks = body.index("The talks")
    return short_story(batch, n) | {
        "title": f"Annotated {n}", "body": body,
        "mentions": [{"start": 0, "end": 11, "exact": "Kim Jong Un", "entity": {"name": "Kim Jong Un", "kind": "person"}},
                     {"start": 16, "end": 21, "exact": "Putin", "entity": {"name": "Vladimir Putin", "kind": "person"}}],
        "claims": [{"start": talks, "end": len(body), "exact": body[talks:], "statement": f"The talks lasted {n} minutes",
                    "chain": [{"source": {"name": "Yonhap", "kind": "news_agency", "country": "KR"}, "role": "speaker",
                               "sourcing": "on_record"}],
                    "evidence": [{"kind": "quote", "link": 0}],
                    "history": [{"from": "unverified", "to": "reported", "reason": "Yonhap carries it", "evidence": 0}]}],
    }


def long_story(batch: str, n: int) -> dict:
    paragraphs = [" ".join(WORDS[(n + i) % len(WORDS):] + WORDS) + f" {n}-{i}." for i in range(120)]
    return short_story(batch, n) | {"title": f"Long {n}", "body": "\n\n".join(paragraphs)}


def jsonl(make, batch: str, count: int) -> bytes:
    return "".join(json.dumps(make(batch, n), ensure_ascii=False) + "\n" for n in range(count)).encode()


def feed(batch: str, count: int) -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>https://upload.example/{batch}/{n}</link>"
        f"<description>&lt;p&gt;Officials met on day {n}, the minister said.&lt;/p&gt;</description></item>"
        for n in range(count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Upload bench feed</title>{items}</channel></rss>'.encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="the time an upload may take")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the sizes of the files posted")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to an empty database of its own.")
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 40, "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "ERROR",
        # The figures are what is measured, not what the limits allow.
        "IMPORT_MAX_UPLOAD_STORIES": "100000000", "IMPORT_MAX_UPLOAD_BYTES": "100000000",
        "DJANGO_SETTINGS_MODULE": "newsdesk.settings",
    })
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from annotations.roles import ensure_editors_group

    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    call_command("migrate", verbosity=0)
    editor, _ = User.objects.get_or_create(username="upload-bench-editor")
    editor.groups.add(ensure_editors_group())
    desk = Client()
    desk.force_login(editor)
    batch = str(int(time.time()))
    scale = options.scale
    files = [
        ("short stories (JSON Lines)", "stories", lambda: jsonl(short_story, batch + "s", int(2000 * scale)), int(2000 * scale), "jsonl"),
        ("with 2 mentions and a claim", "stories", lambda: jsonl(annotated_story, batch + "a", int(1000 * scale)), int(1000 * scale), "jsonl"),
        ("long stories (~60 KB each)", "stories", lambda: jsonl(long_story, batch + "l", int(100 * scale)), int(100 * scale), "jsonl"),
        ("RSS feed items", "items", lambda: feed(batch + "f", int(1000 * scale)), int(1000 * scale), "xml"),
    ]
    print(f"{'file':<30}{'stories':>9}{'MB':>8}{'seconds':>9}{'stories/s':>11}{'MB/s':>7}"
          f"{f'stories in {options.seconds:g} s':>18}{f'MB in {options.seconds:g} s':>13}")
    for label, _, make, count, suffix in files:
        data = make()
        upload = SimpleUploadedFile(f"bench.{suffix}", data)
        started = time.monotonic()
        response = desk.post("/desk/import/", {"file": upload, "format": "auto", "source": ""})
        seconds = time.monotonic() - started
        page = response.content.decode()
        if response.status_code != 200 or f"{count} imported" not in page:
            sys.exit(f"{label}: the upload did not import every story (HTTP {response.status_code})")
        megabytes = len(data) / 1e6
        print(f"{label:<30}{count:>9,}{megabytes:>8.2f}{seconds:>9.2f}{count / seconds:>11,.0f}{megabytes / seconds:>7.2f}"
              f"{count / seconds * options.seconds:>18,.0f}{megabytes / seconds * options.seconds:>13.1f}")


if __name__ == "__main__":
    main()

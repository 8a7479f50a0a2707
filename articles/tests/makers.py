import json
import time
from itertools import count

from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article, ImportJob, Source

_numbers = count(1)

BODY = "Kim Jong Un travelled to Russia, the Kremlin said. Yonhap reported the train had left Pyongyang."


def make_source(**overrides) -> Source:
    n = next(_numbers)
    fields = {"name": f"Source {n}", "kind": Source.Kind.PUBLICATION, "country": "ID"} | overrides
    return Source.objects.create(**fields)


def make_article(**overrides) -> Article:
    n = next(_numbers)
    fields = {
        "title": f"Story {n}",
        "body": BODY,
        "language": "en",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now(),
    } | overrides
    if "publisher" not in fields:
        fields["publisher"] = make_source()
    return Article.objects.create(**fields)


def make_articles(n: int, **overrides) -> list[Article]:
    publisher = overrides.pop("publisher", None) or make_source()
    return [make_article(publisher=publisher, **overrides) for _ in range(n)]


def run_sql(sql: str, params=()) -> None:
    """Raw SQL in its own savepoint, as a script or psql would send it, past every Django check."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def run_queued_jobs() -> int:
    """Run the jobs queued in this test's transaction, as a worker would: each through its task
    (the task's own function, in this process, so that it sees the test's rows); return how many.
    The tests that start real workers are in articles/tests/test_jobs.py."""
    from procrastinate.contrib.django import app

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, task_name, args FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id")
        jobs = cursor.fetchall()
    for pk, name, args in jobs:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [pk])
        app.tasks[name](**(json.loads(args) if isinstance(args, str) else args))
        with connection.cursor() as cursor:
            cursor.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [pk])
    return len(jobs)


def post_import(client, data: dict, **extra):
    """Upload a file in the desk as an editor does and wait for its import: the POST's answer if it
    was refused, else the upload's page (or, for htmx, its progress) once its job has run."""
    from django.urls import reverse

    response = client.post(reverse("desk:import"), data, **extra)
    if response.status_code == 303 or (response.status_code == 200 and b'id="import-progress"' in response.content):
        run_queued_jobs()
        job = ImportJob.objects.latest("pk")
        deadline = time.monotonic() + 30
        while not job.finished and time.monotonic() < deadline:  # another thread's run of it (tests at once)
            time.sleep(0.05)
            job.refresh_from_db()
        return client.get(reverse("desk:import-job", args=[job.pk]), **extra)
    return response

"""A file uploaded in the desk, imported by a worker (articles/tasks.py import_upload).

The upload is kept in the database (ImportJob.data) until its job ends, so that the worker may be
on any machine. The job counts its progress as it goes (stories done, the rate), which the desk's
page of the upload shows live, and keeps the report at the end; then the file is dropped.

A worker killed in the middle leaves whole stories only (each is stored in its own transaction);
the job runs again (retry_stalled_jobs) from the start of the file, and the stories already stored
are found again, not stored twice.
"""

import logging
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from articles.importing import Report, first_line, import_paths
from articles.models import ImportJob

logger = logging.getLogger(__name__)

# The claims an upload brings are given their meaning at the end, up to a bound (about three
# seconds); embed_statements gives the rest theirs.
MEANING_BOUND = 2_000
# Progress is written at most this often (seconds): a row update per story would cost more than the story.
PROGRESS_EVERY = 0.5


def queue(*, user, upload, fmt: str, source, publish: bool, total: int) -> ImportJob:
    """Keep the uploaded file and queue its import; inside the caller's transaction, so that the
    job and its file are stored together or not at all."""
    from articles.tasks import import_upload

    data = b"".join(upload.chunks())
    job = ImportJob.objects.create(
        user=user, name=Path(upload.name).name[:100] or "upload", data=data, size=len(data), format=fmt,
        source=source, publish=publish, total=total, language=translation.get_language() or "",
    )
    import_upload.defer(job_id=job.pk)
    return job



def run(job_id: int) -> ImportJob | None:
    """Import the job's file, writing its progress, then its report; the file is dropped at the end."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job  # done already (a job retried after it had ended)
        job.attempts += 1
        job.state, job.started_at, job.done = ImportJob.State.RUNNING, timezone.now(), 0
        job.save(update_fields=["attempts", "state", "started_at", "done"])
    data = ImportJob.objects.filter(pk=job_id).values_list("data", flat=True).get()
    with translation.override(job.language or None):
        try:
            report = import_file(job, bytes(data))
        except Exception as error:  # noqa: BLE001 - the job's page says what went wrong, never nothing
            ImportJob.objects.filter(pk=job_id).update(
                state=ImportJob.State.FAILED, finished_at=timezone.now(), data=b"",
                error=first_line(gettext("the import stopped (%(error)s)"), error),
            )
            raise
        if job.attempts > 1:
            report.messages.insert(0, gettext(
                "The import was interrupted (its worker stopped) and ran again from the start of the file: stories "
                "stored before the interruption are counted as duplicates."
            ))
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.DONE, finished_at=timezone.now(), done=report.total, report=asdict(report), data=b"",
    )
    logger.info("upload %s (%s): %s", job_id, job.name, report.summary())
    return ImportJob.objects.get(pk=job_id)


def import_file(job: ImportJob, data: bytes) -> Report:
    from annotations import meaning

    last = [0.0]

    def progress(report: Report) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            ImportJob.objects.filter(pk=job.pk).update(done=report.total)

    with tempfile.TemporaryDirectory(prefix="newsdesk-import-") as folder:
        # The importer reads files by path and names them in its report: the uploaded name is kept.
        path = Path(folder) / job.name
        path.write_bytes(data)
        report = import_paths([path], fmt=job.format, source=job.source, publish=job.publish, progress=progress)
    meaning.give_missing(MEANING_BOUND)
    return report


def rate(job: ImportJob) -> float | None:
    """Stories a second so far, None before the first are done."""
    if job.started_at is None or not job.done:
        return None
    seconds = ((job.finished_at or timezone.now()) - job.started_at).total_seconds()
    return job.done / seconds if seconds > 0 else None

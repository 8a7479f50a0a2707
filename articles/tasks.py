"""The jobs workers run (procrastinate, on our PostgreSQL; README, Feeds): feed polls, desk
uploads, and the queue's own upkeep. `manage.py work` runs a worker; `make run` starts one.

- poll_feed: one per feed at a time, across every worker (its lock), and never queued twice (its
  queueing lock); due feeds are queued every FEEDS_SCHEDULE_SECONDS by the periodic
  queue_due_feeds, which procrastinate defers once per tick however many workers run.
- import_upload: a file uploaded in the desk (articles.models.ImportJob), read from the database.
- retry_stalled_jobs: a job whose worker stopped beating (killed, its machine gone) is put back
  in the queue, where another worker, or the same one restarted, runs it again. Workers beat
  every 10 s and are taken for dead after 30 s of silence; this looks every 15 s, so a job
  interrupted by a SIGKILL runs again within about a minute.
"""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.db.models.expressions import RawSQL
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status

logger = logging.getLogger(__name__)

# A worker is dead after this long without a heartbeat (procrastinate's worker default, 30 s).
STALLED_AFTER_SECONDS = 30


@app.periodic(cron=f"* * * * * */{settings.FEEDS_SCHEDULE_SECONDS}", periodic_id="due-feeds")
@app.task(queue="feeds", queueing_lock="queue-due-feeds", pass_context=False)
def queue_due_feeds(timestamp: int) -> int:
    """Queue a poll of every feed whose time has come; return how many were queued."""
    from articles.models import Feed

    with fresh_connection():
        due = Feed.objects.due().exclude(pk__in=RawSQL(POLLS_UNDER_WAY, []))
        return sum(queue_poll(pk) for pk in due.values_list("pk", flat=True))


# The feeds whose poll waits or runs: a feed whose poll runs is still due until it ends, and is
# not queued again behind it (the queueing lock stops a second waiting poll only).
POLLS_UNDER_WAY = (
    "SELECT (args->>'feed_id')::bigint FROM procrastinate_jobs "
    "WHERE task_name = 'poll_feed' AND status IN ('todo', 'doing')"
)


@contextmanager
def fresh_connection():
    """A worker's threads keep their database connections between jobs: one broken or too old is
    replaced before the job, and each is given back after it. Inside a caller's transaction (a
    test running a job in its own) the connection is left alone."""
    if connection.in_atomic_block:
        yield
        return
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()


def queue_poll(feed_id: int, *, force: bool = False) -> bool:
    """Queue a poll of the feed, unless one is already waiting; whether one was queued."""
    try:
        # In a savepoint: the queueing lock is a unique index, whose refusal would end a caller's transaction.
        with transaction.atomic():
            poll_feed.configure(lock=f"feed-{feed_id}", queueing_lock=f"feed-{feed_id}").defer(
                feed_id=feed_id, force=force)
    except AlreadyEnqueued:
        return False
    return True


@app.task(queue="feeds", name="poll_feed")
def poll_feed(feed_id: int, force: bool = False) -> None:
    from articles.polling import poll

    with fresh_connection():
        poll(feed_id, force=force)


@app.task(
    queue="imports", name="import_upload",
    # The database gone for a moment (a restart, a failover): run again a little later. The import
    # is idempotent, so a second run stores only what the first did not.
    retry=RetryStrategy(max_attempts=5, exponential_wait=5, retry_exceptions={OperationalError, InterfaceError}),
)
def import_upload(job_id: int) -> None:
    from articles.uploads import run

    with fresh_connection():
        run(job_id)


@app.periodic(cron="* * * * * */15", periodic_id="stalled-jobs")
@app.task(queue="upkeep", queueing_lock="retry-stalled-jobs", pass_context=False)
async def retry_stalled_jobs(timestamp: int) -> None:
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        try:
            await app.job_manager.retry_job(job)
        except UniqueViolation:
            # The same job waits already (a feed's poll queued again while this one ran): that one
            # does the work, once this one, which holds the feed's lock, is ended.
            await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
            logger.warning("job %s (%s) stalled: its worker stopped; the same job waits, which will run", job.id,
                           job.task_name)
        else:
            logger.warning("job %s (%s) stalled: its worker stopped; queued again", job.id, job.task_name)


@app.periodic(cron="17 4 * * *", periodic_id="old-jobs")
@app.task(queue="upkeep", queueing_lock="delete-old-jobs", pass_context=False)
async def delete_old_jobs(timestamp: int) -> None:
    """Finished jobs kept a week for the admin's list of jobs, then dropped."""
    await app.job_manager.delete_old_jobs(nb_hours=7 * 24, include_failed=True, include_cancelled=True,
                                          include_aborted=True)

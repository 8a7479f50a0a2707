import os
import socket

from django.conf import settings
from django.core.management import BaseCommand
from procrastinate.contrib.django import app


class Command(BaseCommand):
    help = (
        "Run a worker of the job queue: it polls the feeds when they are due and imports the files uploaded in the "
        "desk. Run as many as you like, on as many machines as share the database (README, Feeds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=settings.WORKER_CONCURRENCY,
                            help="jobs run at once (default WORKER_CONCURRENCY, %(default)s)")
        parser.add_argument("--queue", action="append", dest="queues", choices=["feeds", "imports", "upkeep"],
                            help="only these queues (repeat it); by default all")
        parser.add_argument("--until-idle", action="store_true",
                            help="stop once no job is waiting, instead of waiting for more")

    def handle(self, *args, concurrency, queues, until_idle, **options):
        name = f"{socket.gethostname()}-{os.getpid()}"
        self.stdout.write(f"Worker {name}: {concurrency} jobs at once, queues {', '.join(queues or ['all'])}.")
        # The Django connector serves the web app's deferring; a worker needs its own connections,
        # with LISTEN/NOTIFY, so that a job deferred anywhere starts at once.
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(
                name=name, concurrency=concurrency, queues=queues, wait=not until_idle,
                delete_jobs="successful", shutdown_graceful_timeout=20,
                install_signal_handlers=True, listen_notify=True,
            )

import atexit
import os
import subprocess
import sys

from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = (
        "Development: the web server (runserver) and a worker of the job queue together, so that feeds are polled "
        "and uploads imported with nothing else to start. Ctrl-C stops both. `make run` uses it."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        # runserver's reloader runs this command again in a child process (RUN_MAIN): the worker
        # is started once, by the parent, and lives as long as it.
        if os.environ.get("RUN_MAIN") != "true":
            worker = subprocess.Popen([sys.executable, sys.argv[0], "work"])
            atexit.register(stop, worker)
            self.stdout.write(f"Started a worker (pid {worker.pid}) for feeds and uploads.")
        call_command("runserver", addrport)


def stop(worker: subprocess.Popen) -> None:
    """The worker stops when we do (a closed terminal, `kill`): it finishes or gives back its jobs."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()

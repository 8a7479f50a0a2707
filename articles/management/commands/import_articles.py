import sys
import time
from pathlib import Path

from django.core.management import BaseCommand, CommandError

from articles.importing import FORMATS, import_paths
from articles.models import Source


class Command(BaseCommand):
    help = "Import stories from JSON Lines, RSS/Atom, HTML or plain-text files. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--format", default="auto", choices=("auto", *FORMATS))
        parser.add_argument("--source", help="publisher of stories that name none (created as a publication)")
        parser.add_argument("--publish", action="store_true", help="publish every imported story")
        parser.add_argument("--quiet", action="store_true", help="print only problems and the summary")

    def handle(self, *args, **options):
        missing = [str(p) for p in options["paths"] if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        source = None
        if options["source"]:
            source = Source.objects.filter(name__iexact=options["source"]).first() or Source.objects.create(
                name=options["source"], kind=Source.Kind.PUBLICATION
            )
        started = time.monotonic()
        show = not options["quiet"] and sys.stderr.isatty()

        def progress(report):
            if show and report.total % 50 == 0:
                rate = report.total / max(time.monotonic() - started, 1e-6)
                sys.stderr.write(f"\r{report.summary()} — {rate:,.0f} stories/s")

        report = import_paths(
            options["paths"], fmt=options["format"], source=source, publish=options["publish"], progress=progress
        )
        if show:
            sys.stderr.write("\n")
        for message in report.messages:
            self.stderr.write(message)
        elapsed = time.monotonic() - started
        self.stdout.write(f"{report.summary()} in {elapsed:.1f} s.")
        if report.failed:
            raise CommandError(f"{report.failed} item(s) failed; see the messages above", returncode=1)

import sys
import time
from pathlib import Path

import pghistory
from tqdm import tqdm

from django.core.management import BaseCommand, CommandError

from articles.importing import FORMATS, import_paths
from articles.models import Source


class Command(BaseCommand):
    help = "Import stories from JSON Lines, RSS/Atom, HTML or plain-text files. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--format", default="auto", choices=("auto", *FORMATS))
        parser.add_argument("--source", help="the publisher chosen for stories that name none (created as a publication if new)")
        parser.add_argument("--publish", action="store_true", help="publish every imported story")
        parser.add_argument("--quiet", action="store_true", help="print only problems and the summary")
        parser.add_argument(
            "--jobs", type=int, default=1, help="processes that share a JSON Lines file (2 suits a 2-core machine)"
        )

    def handle(self, *args, **options):
        missing = [str(p) for p in options["paths"] if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        source = Source.named(options["source"]) if options["source"] else None
        started = time.monotonic()
        bar = None
        if not options["quiet"] and sys.stderr.isatty():
            # Lines are a cheap upper bound on the number of stories (one per JSON Lines line).
            total = sum(count_lines(p) if p.suffix.lower() in (".jsonl", ".ndjson") else 1 for p in options["paths"])
            bar = tqdm(total=total, unit=" stories", file=sys.stderr, dynamic_ncols=True)

        def progress(report):
            if bar is not None:
                bar.update(report.total - bar.n)
                if report.total % 100 == 0:
                    bar.set_postfix_str(f"{report.imported} new, {report.duplicates} known, {report.failed} failed")

        # The history names the command as the one who made these rows (there is no request).
        with pghistory.context(command="import_articles"):
            report = import_paths(
                options["paths"], fmt=options["format"], source=source, publish=options["publish"], progress=progress,
                jobs=max(1, options["jobs"]),
            )
        if bar is not None:
            bar.close()
        for message in report.messages:
            self.stderr.write(message)
        elapsed = time.monotonic() - started
        self.stdout.write(f"{report.summary()} in {elapsed:.1f} s.")
        if report.failed:
            raise CommandError(f"{report.failed} item(s) failed; see the messages above", returncode=1)


def count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))

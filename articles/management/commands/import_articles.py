import sys
import time
from pathlib import Path

import pghistory
from tqdm import tqdm

from django.core.management import BaseCommand, CommandError, call_command
from django.utils import formats, translation
from django.utils.translation import gettext, gettext_lazy as _, ngettext, pgettext

from annotations import meaning
from articles.importing import FORMATS, import_paths
from articles.models import Source
from newsdesk.languages import from_environment, number


class Command(BaseCommand):
    help = _("Import stories from JSON Lines, RSS/Atom, HTML or plain-text files. Safe to run again.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The help, too, in the language of the environment (argparse needs it as text).
        with translation.override(from_environment()):
            self.help = str(self.help)
            return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--format", default="auto", choices=("auto", *FORMATS))
        parser.add_argument("--source", help=gettext(
            "the publisher chosen for stories that name none (created as a publication if new)"))
        parser.add_argument("--publish", action="store_true", help=gettext("publish every imported story"))
        parser.add_argument("--quiet", action="store_true", help=gettext("print only problems and the summary"))
        parser.add_argument(
            "--jobs", type=int, default=1,
            help=gettext("processes that share a JSON Lines file (2 suits a 2-core machine)"),
        )

    def handle(self, *args, **options):
        # The report speaks the language the environment names (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
        with translation.override(from_environment()):
            self.run(options)

    def run(self, options):
        missing = [str(p) for p in options["paths"] if not p.is_file()]
        if missing:
            raise CommandError(gettext("no such file: %(paths)s") % {"paths": ", ".join(missing)})
        source = Source.named(options["source"]) if options["source"] else None
        started = time.monotonic()
        bar = None
        if not options["quiet"] and sys.stderr.isatty():
            # Lines are a cheap upper bound on the number of stories (one per JSON Lines line).
            total = sum(count_lines(p) if p.suffix.lower() in (".jsonl", ".ndjson") else 1 for p in options["paths"])
            unit = " " + pgettext("the unit of the import's progress bar: 120 stories/s", "stories")
            bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True)

        def progress(report):
            if bar is not None:
                bar.update(report.total - bar.n)
                if report.total % 100 == 0:
                    bar.set_postfix_str(gettext("%(new)s new, %(known)s known, %(failed)s failed") % {
                        "new": number(report.imported), "known": number(report.duplicates),
                        "failed": number(report.failed)})

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
        self.stdout.write(gettext("%(summary)s in %(seconds)s s.") % {
            "summary": report.summary(), "seconds": formats.number_format(elapsed, decimal_pos=1)})
        # The background step after an import, reported apart: the meaning of new claims' statements.
        if meaning.statements_to_embed(limit=1):
            call_command("embed_statements", stdout=self.stdout)
        if report.failed:
            raise CommandError(
                ngettext("%(n)s item failed; see the messages above", "%(n)s items failed; see the messages above",
                         report.failed) % {"n": number(report.failed)},
                returncode=1,
            )


def count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))

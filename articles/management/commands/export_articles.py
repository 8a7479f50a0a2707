from pathlib import Path

from django.core.management import BaseCommand
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from articles.exporting import export_lines
from newsdesk.languages import from_environment, number


class Command(BaseCommand):
    help = _("Write every story with all its annotations as JSON Lines (the schema import_articles reads).")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The help, too, in the language of the environment (argparse needs it as text).
        with translation.override(from_environment()):
            self.help = str(self.help)
            return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path)
        parser.add_argument("--published-only", action="store_true",
                            help=gettext("only published stories and annotations"))

    def handle(self, *args, **options):
        count = 0
        partial = options["out"].with_name(options["out"].name + ".partial")
        with partial.open("w", encoding="utf-8") as out:
            for line in export_lines(published_only=options["published_only"]):
                out.write(line + "\n")
                count += 1
        partial.replace(options["out"])  # a killed export never leaves a half-written file behind
        # What it says is in the language the environment names (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
        with translation.override(from_environment()):
            self.stdout.write(
                ngettext("%(count)s story written to %(path)s.", "%(count)s stories written to %(path)s.", count)
                % {"count": number(count), "path": options["out"]})

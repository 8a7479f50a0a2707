from pathlib import Path

from django.core.management import BaseCommand

from articles.exporting import export_lines


class Command(BaseCommand):
    help = "Write every story with all its annotations as JSON Lines (the schema import_articles reads)."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path)
        parser.add_argument("--published-only", action="store_true", help="only published stories and annotations")

    def handle(self, *args, **options):
        count = 0
        partial = options["out"].with_name(options["out"].name + ".partial")
        with partial.open("w", encoding="utf-8") as out:
            for line in export_lines(published_only=options["published_only"]):
                out.write(line + "\n")
                count += 1
        partial.replace(options["out"])  # a killed export never leaves a half-written file behind
        self.stdout.write(f"{count} stories written to {options['out']}.")

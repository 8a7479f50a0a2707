"""Fail when a catalogue of the interface is not complete: a message of the sources missing,
untranslated, fuzzy, the English copied over, placeholders changed, msgfmt -c refusing it, or a
compiled .mo that no longer says what its .po says (newsdesk/translations.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsdesk import translations


class Command(BaseCommand):
    help = "Check every catalogue under locale/ against the sources; exit 1 on any fault."

    def handle(self, *args, **options):
        sources = translations.source_messages()
        faults = []
        for po_path in sorted((Path(settings.BASE_DIR) / "locale").glob("*/LC_MESSAGES/django.po")):
            faults += translations.problems(po_path, expected=sources)
        for fault in faults:
            self.stderr.write(fault)
        if faults:
            raise CommandError(f"{len(faults)} faults in the catalogues")
        self.stdout.write(f"Every catalogue holds the {len(sources)} messages of the sources, each translated.")

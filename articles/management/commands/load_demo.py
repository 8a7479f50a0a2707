from django.core.management import BaseCommand

from articles.demo_newsroom import load_demo


class Command(BaseCommand):
    help = "Load the demo newsroom: stories in four languages with entities, claims and links. Safe to re-run."

    def handle(self, *args, **options):
        added = load_demo()
        if any(added.values()):
            summary = ", ".join(f"{count} {what}" for what, count in added.items())
            self.stdout.write(self.style.SUCCESS(f"Demo newsroom loaded: {summary}."))
        else:
            self.stdout.write("Demo newsroom already loaded; nothing to add.")

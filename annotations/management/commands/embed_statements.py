import time

from django.core.management import BaseCommand
from django.utils import formats, translation
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from annotations import meaning
from newsdesk.languages import from_environment, number

CHUNK = 1024


class Command(BaseCommand):
    help = _(
        "Compute the meaning (a vector) of every claim statement and wording that has none yet, so that "
        "claims are matched across languages. Safe to run again; import_articles runs it after an import."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        with translation.override(from_environment()):
            self.help = str(self.help)
            return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args, **options):
        with translation.override(from_environment()):
            started = time.monotonic()
            computed = embed_missing()
            if options["verbosity"]:
                self.stdout.write(ngettext(
                    "%(n)s statement given its meaning (%(encoder)s) in %(seconds)s s.",
                    "%(n)s statements given their meaning (%(encoder)s) in %(seconds)s s.", computed,
                ) % {"n": number(computed), "encoder": meaning.encoder().name,
                     "seconds": formats.number_format(time.monotonic() - started, decimal_pos=1)})


def embed_missing() -> int:
    """Every statement without a vector, a chunk at a time (each chunk stored as it is done, so an
    interrupted run keeps what it computed)."""
    computed = 0
    while texts := meaning.statements_to_embed(limit=CHUNK):
        done = meaning.embed(texts)
        if not done:  # nothing more it can give a meaning to: never loop on it
            break
        computed += done
    return computed

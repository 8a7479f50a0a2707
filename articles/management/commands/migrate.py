"""Django's `migrate`, run as the tables' owner; afterwards every content table gets the trigger
that drops the public pages (articles/page_cache.py), and the app's role is granted what it needs.

Overriding the command, rather than a post_migrate handler, because the whole command must
connect as the owner (it creates the tables, and pghistory's own post_migrate handler replaces a
function), and because post_migrate is also sent by every `flush`, after each transactional
test, where granting again would only cost time. pytest-django builds the test database with
this same command, so the test database is granted too.
"""

from django.core.management.commands import migrate

from articles.page_cache import install_triggers
from newsdesk.least_privilege import connected_as_owner, grant_app_role


class Command(migrate.Command):
    help = migrate.Command.help + (
        " As DATABASE_OWNER_URL's role; then attaches the page cache's triggers and grants DATABASE_URL's role"
        " what the app needs."
    )

    def handle(self, *args, **options):
        with connected_as_owner(options["database"]):
            super().handle(*args, **options)
            if not (options["plan"] or options["check_unapplied"]):
                install_triggers(options["database"])
                grant_app_role(options["database"])

"""The worker processes of a parallel import (`import_articles --jobs N`).

They are started fresh (spawn), never forked: a fork copies the parent's threads' locks (a web
server's, a browser driver's), and a child that finds one held waits forever. So each worker
sets Django up itself and is pointed at the parent's database. Nothing here imports models at
module level, since this module is loaded before Django is set up.
"""

COUNTER = None


def start(counter, database: dict, language: str | None = None) -> None:
    """Set Django up, point it at the parent's database, and speak the parent's language: the
    report's messages are written here, in the language they are read in."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.utils import translation

    connections["default"].settings_dict.update(database)
    translation.activate(language or settings.LANGUAGE_CODE)
    global COUNTER
    COUNTER = counter


def import_share(task):
    from articles.importing import import_share_of

    return import_share_of(task, COUNTER)

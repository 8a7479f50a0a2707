"""History of every change, kept by database triggers (django-pghistory).

A trigger copies the row into its event table on every insert, update and delete, whoever
makes the change: a view, the admin, `QuerySet.update()`, `bulk_update` or raw SQL. The
request's user and path ride along as context (`pghistory.middleware.HistoryMiddleware`);
the event tables are append-only, also in the database.
"""

import pghistory

# Columns the database computes from others: copying them into history would say nothing new.
COMPUTED = ("search_vector", "search_config", "name_folded")


def tracked(*exclude: str):
    """Decorate a model so that every insert, update and delete of a row is recorded."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
        append_only=True,
    )

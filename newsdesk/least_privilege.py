"""Two database roles: the tables' owner migrates, the app logs in as a role that owns nothing.

The history triggers (newsdesk/history.py) are only as strong as the role the app connects as.
An owner or a superuser can empty an event table (TRUNCATE), switch its triggers off (`ALTER
TABLE … DISABLE TRIGGER`, `DROP TRIGGER`) or skip every trigger of its session (`SET
session_replication_role = replica`, superuser only). So the app logs in as DATABASE_URL's role,
which owns no table and gets exactly:

- CONNECT on the database and USAGE on the schema; not TEMPORARY (revoked from PUBLIC too): the
  triggers name their event tables unqualified, so a temporary table of the same name would
  take their rows for the session;
- SELECT, INSERT, UPDATE, DELETE on the app's tables (never TRUNCATE, REFERENCES or TRIGGER);
- SELECT, INSERT on the event tables: the triggers insert into them as the app's role, and
  the history pages read them; nothing may change or remove a row of history;
- SELECT, INSERT and UPDATE of `metadata` and `updated_at` on `pghistory_context`: what the
  triggers' `_pgh_attach_context()` does, an upsert of the request's context (who, which page);
- SELECT only on `django_migrations`;
- USAGE, SELECT on the sequences.

`migrate` (articles/management/commands/migrate.py) runs as DATABASE_OWNER_URL's role and then
calls `grant_app_role`, so tables added by a migration are granted at once. Without an owner
(DATABASE_URL alone) there is one role and nothing to grant.
"""

from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.management import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql

ROW_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
HISTORY_PRIVILEGES = "SELECT, INSERT"
# _pgh_attach_context() inserts the context row, and updates its metadata when it changes.
CONTEXT_TABLE = "pghistory_context"
CONTEXT_PRIVILEGES = "SELECT, INSERT, UPDATE (metadata, updated_at)"
READ_ONLY_TABLES = {"django_migrations"}


def has_owner() -> bool:
    return bool(settings.DATABASE_OWNER)


@contextmanager
def connected_as_owner(alias: str = DEFAULT_DB_ALIAS):
    """Point the connection at the tables' owner (its user, password, host and port; the
    database stays the connection's own, which is the test database in tests)."""
    if not has_owner():
        yield
        return
    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in settings.CONNECTION_KEYS}
    connection.close()
    connection.settings_dict.update(settings.DATABASE_OWNER)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def history_tables() -> set[str]:
    """The event tables django-pghistory fills: append-only for the app."""
    from pghistory.models import Event

    return {model._meta.db_table for model in apps.get_models() if issubclass(model, Event)}


def privileges_of(table: str, events: set[str]) -> str:
    if table in events:
        return HISTORY_PRIVILEGES
    if table == CONTEXT_TABLE:
        return CONTEXT_PRIVILEGES
    if table in READ_ONLY_TABLES:
        return "SELECT"
    return ROW_PRIVILEGES


def grant_app_role(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Give DATABASE_URL's role exactly the privileges above, on every table there now is.

    Run by the owner after each migration. Everything is revoked first, in the same transaction,
    so a privilege given by hand (TRUNCATE, say) does not survive the next `migrate`.
    """
    if not has_owner():
        return
    app_role = settings.DATABASE_APP["USER"]
    connection = connections[alias]
    connection.ensure_connection()

    def quoted(name: str) -> str:
        return sql.Identifier(name).as_string(connection.connection)

    role = quoted(app_role)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        refuse_a_powerful_role(cursor, app_role)
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        statements = [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {quoted(schema)} FROM {role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {quoted(schema)} FROM {role}",
            # A temporary table named like an event table would take the triggers' rows for the
            # session (they name their tables unqualified, and pg_temp is searched first).
            f"REVOKE TEMPORARY ON DATABASE {quoted(database)} FROM PUBLIC, {role}",
            f"GRANT CONNECT ON DATABASE {quoted(database)} TO {role}",
            f"GRANT USAGE ON SCHEMA {quoted(schema)} TO {role}",
        ]
        events = history_tables()
        for table in connection.introspection.table_names(cursor, include_views=True):
            statements.append(f"GRANT {privileges_of(table, events)} ON TABLE {quoted(table)} TO {role}")
        statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quoted(schema)} TO {role}")
        statements.append(ignore_no_trigger_for(app_role, connection))
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("SELECT has_database_privilege(%s, current_database(), 'TEMPORARY')", [app_role])
        if cursor.fetchone()[0]:
            raise CommandError(
                f"DATABASE_URL's role {app_role!r} may create temporary tables, where the history triggers would write"
                f" instead of the event tables; the owner could not revoke that. As the database's owner or a superuser:"
                f" REVOKE TEMPORARY ON DATABASE {quoted(database)} FROM PUBLIC;"
            )


def refuse_a_powerful_role(cursor, app_role: str) -> None:
    """Stop `migrate` when the app's role could undo what the grants are for."""
    cursor.execute(
        "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls FROM pg_roles"
        " WHERE rolname = %s",
        [app_role],
    )
    row = cursor.fetchone()
    if row is None:
        raise CommandError(f"DATABASE_URL's role {app_role!r} does not exist: create it (see README, Deployment).")
    if row[0]:
        raise CommandError(
            f"DATABASE_URL's role {app_role!r} must be NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS."
        )
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)"
        " AND c.relnamespace = current_schema()::regnamespace ORDER BY 1",
        [app_role],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        raise CommandError(
            f"DATABASE_URL's role {app_role!r} owns {', '.join(owned[:5])}{'…' if len(owned) > 5 else ''}: "
            f"an owner can empty the history or switch its triggers off. As a superuser: REASSIGN OWNED BY {app_role} TO <owner>;"
        )


def ignore_no_trigger_for(app_role: str, connection) -> str:
    """django-pgtrigger skips any trigger named in the `pgtrigger.ignore` setting, which every
    role may set (`SET pgtrigger.ignore = '{pgtrigger_insert_insert_e4235}'`): the app's role
    could write without history. Its check is replaced by one that ignores nothing for that
    role, and it otherwise reads the setting as pgtrigger does (pgtrigger/compiler.py). Each
    migration that adds a trigger installs pgtrigger's own again, and `migrate` then this."""
    app = sql.Literal(app_role).as_string(connection.connection)
    return f"""
        CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
        RETURNS BOOLEAN AS $$
            DECLARE
                _pgtrigger_ignore TEXT[];
            BEGIN
                IF current_user = {app} THEN
                    RETURN FALSE;
                END IF;
                BEGIN
                    SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
                    EXCEPTION WHEN OTHERS THEN
                END;
                RETURN COALESCE(trigger_name = ANY(_pgtrigger_ignore), FALSE);
            END;
        $$ LANGUAGE plpgsql
    """

"""The app's own database role cannot erase, rewrite or skip the history (issue 12).

Each test connects to the test database as DATABASE_URL's role (the embedded server's
`newsdesk_app` under `make test`), the way the app does, and works in a transaction that is
rolled back, so nothing it writes stays behind.
"""

import json
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import errors

from newsdesk.least_privilege import has_owner, history_tables

pytestmark = [
    pytest.mark.django_db,  # the test database, which the tests' own connection leaves alone
    pytest.mark.skipif(
        not has_owner(), reason="DATABASE_URL alone: the app's role owns the tables (set DATABASE_OWNER_URL)"
    ),
]


@pytest.fixture
def app_db():
    """A psycopg connection to the test database as the app's role, in a transaction."""
    app = settings.DATABASE_APP
    with psycopg.connect(
        host=app["HOST"], port=app["PORT"] or None, user=app["USER"], password=app["PASSWORD"] or None,
        dbname=connection.settings_dict["NAME"], options="-c lock_timeout=3000",
    ) as conn:
        yield conn
        conn.rollback()


def refused(conn, statement: str) -> errors.InsufficientPrivilege:
    """Run the statement as the app's role; it must be refused for want of privilege."""
    with pytest.raises(errors.InsufficientPrivilege) as refusal:
        conn.execute(statement)
    conn.rollback()
    return refusal.value


def test_the_app_role_logs_in_as_itself_and_is_no_superuser(app_db):
    user, superuser = app_db.execute("SELECT current_user, current_setting('is_superuser')").fetchone()
    assert user == settings.DATABASE_APP["USER"] != settings.DATABASE_OWNER["USER"]
    assert superuser == "off"
    attributes = app_db.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert attributes == (False, False, False, False, False, True)


def test_the_app_role_owns_nothing_belongs_to_no_role_and_may_set_no_parameter(app_db):
    owned = app_db.execute(
        "SELECT relname FROM pg_class WHERE relowner = current_user::regrole"
        " UNION ALL SELECT proname FROM pg_proc WHERE proowner = current_user::regrole"
        " UNION ALL SELECT nspname FROM pg_namespace WHERE nspowner = current_user::regrole"
        " UNION ALL SELECT datname FROM pg_database WHERE datdba = current_user::regrole"
    ).fetchall()
    assert owned == []
    memberships = app_db.execute("SELECT roleid::regrole FROM pg_auth_members WHERE member = current_user::regrole")
    assert memberships.fetchall() == []
    granted = app_db.execute(
        "SELECT parname FROM pg_parameter_acl, aclexplode(paracl) acl"
        " WHERE acl.grantee IN (0, current_user::regrole::oid)"
    ).fetchall()
    assert granted == []


def test_the_app_role_cannot_truncate_a_history_table(app_db):
    refused(app_db, "TRUNCATE articles_articleevent")
    refused(app_db, "TRUNCATE annotations_claimevent")
    refused(app_db, "TRUNCATE articles_article CASCADE")


def test_the_app_role_cannot_disable_or_drop_a_trigger(app_db):
    refused(app_db, "ALTER TABLE annotations_claimevent DISABLE TRIGGER ALL")
    refused(app_db, "ALTER TABLE annotations_claim DISABLE TRIGGER ALL")
    trigger = app_db.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'articles_source'::regclass AND tgname LIKE 'pgtrigger_insert%'"
    ).fetchone()[0]
    refused(app_db, f"DROP TRIGGER {trigger} ON articles_source")
    refused(app_db, "DROP TABLE articles_articleevent")


def test_the_app_role_cannot_switch_triggers_off_for_its_session(app_db):
    refusal = refused(app_db, "SET session_replication_role = replica")
    assert "session_replication_role" in str(refusal)
    assert app_db.execute("SHOW session_replication_role").fetchone() == ("origin",)


def test_the_app_role_cannot_become_another_role(app_db):
    refused(app_db, f"SET ROLE {settings.DATABASE_OWNER['USER']}")
    refused(app_db, f"SET SESSION AUTHORIZATION {settings.DATABASE_OWNER['USER']}")
    app_db.execute("RESET ROLE")
    assert app_db.execute("SELECT current_user").fetchone() == (settings.DATABASE_APP["USER"],)


def test_the_app_role_cannot_change_or_delete_history(app_db):
    # A superuser would get past the privilege check and be stopped by the append-only trigger
    # instead (another error): these refusals are the role's own.
    for table in ("articles_sourceevent", "annotations_claimevent"):
        refused(app_db, f"UPDATE {table} SET pgh_label = 'forged'")
        refused(app_db, f"DELETE FROM {table}")
    refused(app_db, "DELETE FROM pghistory_context")
    refused(app_db, "UPDATE pghistory_context SET created_at = now()")


def test_the_app_role_cannot_create_tables(app_db):
    refused(app_db, "CREATE TABLE articles_shadow (id int)")
    refused(app_db, "CREATE SCHEMA shadow")


def test_the_app_role_cannot_hide_history_in_a_temporary_table(app_db):
    # The triggers insert into "articles_sourceevent" unqualified: a temporary table of that
    # name would come first in the search path and take their rows.
    refused(app_db, "CREATE TEMPORARY TABLE articles_sourceevent AS SELECT * FROM articles_sourceevent WITH NO DATA")


def test_the_app_role_reads_writes_and_deletes_rows_and_each_change_is_in_the_history(app_db):
    context_id = str(uuid.uuid4())
    app_db.execute("SELECT set_config('pghistory.context_id', %s, true)", [context_id])
    app_db.execute("SELECT set_config('pghistory.context_metadata', %s, true)", [json.dumps({"url": "/first/"})])
    source_id = app_db.execute(
        "INSERT INTO articles_source (name, slug, kind, country, url, description, created_at)"
        " VALUES ('Least Privilege Daily', 'least-privilege-daily', 'publication', 'ID', '', '', now()) RETURNING id"
    ).fetchone()[0]
    # The same context with other metadata: _pgh_attach_context() updates its row.
    app_db.execute("SELECT set_config('pghistory.context_metadata', %s, true)", [json.dumps({"url": "/second/"})])
    app_db.execute("UPDATE articles_source SET description = 'changed' WHERE id = %s", [source_id])
    row = app_db.execute("SELECT description FROM articles_source WHERE id = %s", [source_id]).fetchone()
    assert row == ("changed",)
    app_db.execute("DELETE FROM articles_source WHERE id = %s", [source_id])

    events = app_db.execute(
        "SELECT pgh_label, description, pgh_context_id::text FROM articles_sourceevent"
        " WHERE pgh_obj_id = %s ORDER BY pgh_id",
        [source_id],
    ).fetchall()
    assert events == [("insert", "", context_id), ("update", "changed", context_id), ("delete", "changed", context_id)]
    metadata = app_db.execute("SELECT metadata FROM pghistory_context WHERE id = %s", [context_id]).fetchone()
    assert metadata == ({"url": "/second/"},)


def test_the_app_role_moves_the_public_pages_generation_when_it_changes_content(app_db):
    from articles.page_cache import GENERATION_QUERY

    changes, committed, sequence = app_db.execute(GENERATION_QUERY).fetchone()
    app_db.execute("UPDATE articles_source SET description = description")
    assert app_db.execute(GENERATION_QUERY).fetchone() == (changes + 1, committed, sequence)
    app_db.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what commit runs: the pending row raises the count
    assert app_db.execute(GENERATION_QUERY).fetchone() == (changes + 1, committed + 1, sequence)
    assert app_db.execute("SELECT count(*) FROM articles_page_generation_pending").fetchone() == (0,)


def test_the_app_role_cannot_tell_pgtrigger_to_skip_the_history_triggers(app_db):
    triggers = app_db.execute(
        "SELECT array_agg(tgname::text) FROM pg_trigger WHERE tgrelid = 'articles_source'::regclass"
    ).fetchone()[0]
    app_db.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(triggers) + "}"])
    source_id = app_db.execute(
        "INSERT INTO articles_source (name, slug, kind, country, url, description, created_at)"
        " VALUES ('Unrecorded Times', 'unrecorded-times', 'publication', '', '', '', now()) RETURNING id"
    ).fetchone()[0]
    recorded = app_db.execute("SELECT count(*) FROM articles_sourceevent WHERE pgh_obj_id = %s", [source_id])
    assert recorded.fetchone() == (1,)


def test_the_app_role_may_only_read_and_add_to_every_history_table(app_db):
    tables = history_tables() | {"pghistory_context"}
    assert {"articles_articleevent", "annotations_claimevent", "articles_sourceevent"} <= tables
    rows = app_db.execute(
        "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type)"
        " FROM information_schema.table_privileges WHERE grantee = current_user AND table_name = ANY(%s) GROUP BY table_name",
        [list(tables)],
    ).fetchall()
    assert dict(rows) == {table: "INSERT,SELECT" for table in tables}

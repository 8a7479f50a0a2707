"""The public pages' generation, kept by PostgreSQL (see articles/page_cache.py).

The trigger on each content table is attached by `migrate` after every run (install_triggers),
so a table added later gets one without a migration naming it.
"""

from django.db import migrations

GENERATION = """
-- Moved by every statement that changes content, at once and for every session (a sequence is
-- not transactional): a page rendered afterwards, in that transaction or any other, gets a new key.
CREATE SEQUENCE articles_page_changes AS bigint;
SELECT setval('articles_page_changes', 1);  -- last_value moves with the very first nextval()

-- Raised when a transaction that changed content commits, and visible with its commit.
CREATE TABLE articles_page_generation (
    id smallint PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL
);
INSERT INTO articles_page_generation VALUES (1, 1);

-- One row per transaction that changed content and has not committed yet; its deferred trigger
-- raises the generation at commit, then removes it.
CREATE TABLE articles_page_generation_pending (xact xid8 PRIMARY KEY);

CREATE FUNCTION articles_page_generation_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_page_generation (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = articles_page_generation.value + 1;
    DELETE FROM articles_page_generation_pending WHERE xact = NEW.xact;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER articles_page_generation_at_commit
    AFTER INSERT ON articles_page_generation_pending DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION articles_page_generation_commit();

-- The trigger of every content table, once per statement (rows inserted, updated, deleted or
-- truncated). The transaction-local setting keeps it to one pending row per transaction; a
-- savepoint rolled back takes the setting and the row back together.
CREATE FUNCTION articles_page_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('articles_page_changes');
    IF current_setting('articles.page_change_pending', true) IS DISTINCT FROM pg_current_xact_id()::text THEN
        PERFORM set_config('articles.page_change_pending', pg_current_xact_id()::text, true);
        INSERT INTO articles_page_generation_pending (xact) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
"""

NO_GENERATION = """
DROP FUNCTION articles_page_changed() CASCADE;
DROP TABLE articles_page_generation_pending;
DROP FUNCTION articles_page_generation_commit();
DROP TABLE articles_page_generation;
DROP SEQUENCE articles_page_changes;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0006_source_claim_rules"),
    ]

    operations = [migrations.RunSQL(GENERATION, NO_GENERATION)]

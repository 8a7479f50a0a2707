#!/bin/sh
# Run once by the postgres image, when its data volume is first created (docker-compose.yml):
# the role the app logs in as, next to POSTGRES_USER, which owns the tables and migrates them.
# `migrate` grants the app's role what it needs (newsdesk/least_privilege.py).
set -eu
: "${APP_DATABASE_PASSWORD:?set APP_DATABASE_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="$APP_DATABASE_PASSWORD" <<'SQL'
CREATE ROLE newsdesk_app LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
-- Nothing of its own in the schema, and no temporary tables (migrate revokes those as well).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE :"DBNAME" FROM PUBLIC;
SQL

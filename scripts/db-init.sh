#!/usr/bin/env bash
# The privileged database step of the container set-up (docker-compose service `db-init`), run
# as the PostgreSQL superuser before the app starts; idempotent, so it runs on every `up`.
#
#   - the app's role (APP_DB_USER, default policykb): LOGIN only -- no superuser, no CREATEDB,
#     no CREATEROLE -- with the password APP_DB_PASSWORD;
#   - the database (APP_DB_NAME, default policykb) owned by the superuser, with one schema of the
#     same name owned by the app's role and first on its search_path; nobody may create objects
#     in `public`;
#   - the extensions the migrations use (pg_trgm; rum where the server has it), created here
#     because creating them needs privileges the app's role does not have.
#
# Connection: the usual libpq variables (PGHOST, PGUSER, PGPASSWORD...) for the superuser.
set -euo pipefail

: "${APP_DB_PASSWORD:?APP_DB_PASSWORD must be set}"
APP_DB_USER="${APP_DB_USER:-policykb}"
APP_DB_NAME="${APP_DB_NAME:-policykb}"

psql_super() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_super -d postgres -v user="$APP_DB_USER" -v password="$APP_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L',
              :'user', :'password') \gexec
SQL

if [ "$(psql_super -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$APP_DB_NAME'")" != 1 ]; then
  psql_super -d postgres -c "CREATE DATABASE \"$APP_DB_NAME\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
fi

psql_super -d "$APP_DB_NAME" -v user="$APP_DB_USER" -v db="$APP_DB_NAME" <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"user";
CREATE SCHEMA IF NOT EXISTS :"user" AUTHORIZATION :"user";
ALTER ROLE :"user" IN DATABASE :"db" SET search_path = :"user", public;
-- Extensions live in public (readable by all); the app's objects in its own schema.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
SELECT 'CREATE EXTENSION IF NOT EXISTS rum WITH SCHEMA public'
 WHERE EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') \gexec
SQL

echo "db-init: role $APP_DB_USER (no superuser) owns schema $APP_DB_USER in database $APP_DB_NAME"

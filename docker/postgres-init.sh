#!/bin/bash
# Runs once, when the Postgres volume is first initialised (docker-entrypoint-initdb.d): the server's own
# database (POSTGRES_DB, owned by POSTGRES_USER) is Presswatch's system of record; this adds a role and a
# database for the Prefect server. Passwords come from the environment (docker-compose.yml).
set -euo pipefail
: "${PREFECT_DB_PASSWORD:?set PREFECT_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 -v prefect_pw="$PREFECT_DB_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE prefect LOGIN PASSWORD :'prefect_pw';
CREATE DATABASE prefect OWNER prefect;
SQL

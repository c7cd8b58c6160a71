#!/bin/bash
# PostgreSQL's first start (docker-entrypoint-initdb.d): runs once, on an empty data volume,
# as the postgres user. Makes the hub's roles and schema (deploy/postgres-grants.sql, first
# run) and gives hub_owner and hub_app the passwords from their secret files. hub_backup gets
# no password here: give it one (\password hub_backup) when you set up backups.
set -euo pipefail

psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -f /hub/postgres-grants.sql

owner_password="$(cat /run/secrets/postgres-owner-password)"
app_password="$(cat /run/secrets/postgres-app-password)"
psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v owner_password="$owner_password" -v app_password="$app_password" <<'SQL'
SET password_encryption = 'scram-sha-256';
ALTER ROLE hub_owner PASSWORD :'owner_password';
ALTER ROLE hub_app PASSWORD :'app_password';
SQL
echo "postgres-init: roles hub_owner, hub_app, hub_backup and schema hub ready"

#!/usr/bin/env bash
# docker compose's last PostgreSQL init step (after init.sql and keycloak.sql): gives each database
# a login role of its own name that owns it and may do nothing else (no superuser), closes it to
# every other role, and takes the role's password from POSTGRES_PASSWORD_<DATABASE> (which
# infra/docker/generate-env.sh writes into .env). The local stack does the same in
# infra/stack/src/postgres-admin.ts.
set -euo pipefail
databases="$(psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -Atc \
  "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') ORDER BY 1")"
for database in $databases; do
  variable="POSTGRES_PASSWORD_${database^^}"
  password="${!variable:-}"
  if [ -z "$password" ]; then
    echo "roles.sh: $variable is not set (run infra/docker/generate-env.sh)" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres --set=password="$password" <<SQL
CREATE ROLE "$database" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
ALTER DATABASE "$database" OWNER TO "$database";
REVOKE CONNECT, TEMPORARY ON DATABASE "$database" FROM PUBLIC;
SQL
  echo "roles.sh: database $database belongs to role $database"
done

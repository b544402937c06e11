#!/usr/bin/env bash
# Writes .env beside docker-compose.yml with a random secret for Keycloak's bootstrap admin, for
# every client of infra/identity/switchboard-realm.json and for every Kafka principal (and the
# broker) docker-compose.yml names (compose reads .env; git ignores it). An existing .env is kept,
# and only missing variables are added.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_FILE="$ROOT/.env"
touch "$ENV_FILE"
chmod 600 "$ENV_FILE"
secret() { head -c 32 /dev/urandom | base64 | tr -d '=+/\n' | cut -c1-40; }
add() { grep -q "^$1=" "$ENV_FILE" || printf '%s=%s\n' "$1" "$(secret)" >>"$ENV_FILE"; }
add KEYCLOAK_ADMIN_PASSWORD
for variable in $(grep -o 'SWITCHBOARD_SECRET_[A-Z0-9_]*' "$ROOT/infra/identity/switchboard-realm.json" | sort -u); do
  add "$variable"
done
for variable in $(grep -o 'KAFKA_[A-Z0-9_]*PASSWORD[A-Z0-9_]*:?' "$ROOT/docker-compose.yml" | tr -d ':?' | sort -u); do
  add "$variable"
done
echo "secrets in $ENV_FILE (mode 600); a client's secret is its SWITCHBOARD_SECRET_<CLIENT_ID> line, a Kafka principal's password its KAFKA_PASSWORD_<PRINCIPAL> line"

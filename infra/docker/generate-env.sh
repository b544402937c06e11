#!/usr/bin/env bash
# Writes .env beside docker-compose.yml with a random secret for Keycloak's bootstrap admin, for
# every client of infra/identity/switchboard-realm.json and for every password docker-compose.yml
# requires (Kafka's principals and broker, each PostgreSQL database's role) (compose reads .env; git ignores it). An existing .env is kept,
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
# Every password docker-compose.yml requires from .env: Kafka's principals and broker, PostgreSQL's roles.
for variable in $(grep -o '[A-Z0-9_]*PASSWORD[A-Z0-9_]*:?run infra/docker/generate-env.sh' "$ROOT/docker-compose.yml" | cut -d: -f1 | sort -u); do
  add "$variable"
done
# The SMTP server's certificate under compose (self-signed, for the name mailpit); mailing trusts it.
CERTS="$ROOT/.compose/certs"
if [ ! -f "$CERTS/smtp-cert.pem" ]; then
  mkdir -p "$CERTS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj '/CN=mailpit' -addext 'subjectAltName=DNS:mailpit,DNS:localhost,IP:127.0.0.1' \
    -keyout "$CERTS/smtp-key.pem" -out "$CERTS/smtp-cert.pem" 2>/dev/null
  # Read by the containers' own users; a local certificate, never in the repository.
  chmod 644 "$CERTS/smtp-key.pem" "$CERTS/smtp-cert.pem"
fi
echo "secrets in $ENV_FILE (mode 600); a client's secret is its SWITCHBOARD_SECRET_<CLIENT_ID> line, a Kafka principal's password its KAFKA_PASSWORD_<PRINCIPAL> line"
# Prometheus reads its client secret from a file (its configuration takes no environment variables).
SECRETS="$ROOT/.compose/secrets"
mkdir -p "$SECRETS"
grep '^SWITCHBOARD_SECRET_PROMETHEUS=' "$ENV_FILE" | cut -d= -f2- | tr -d '\n' >"$SECRETS/prometheus-client-secret"
# Read by the container's own user (nobody); a local secret, never in the repository.
chmod 644 "$SECRETS/prometheus-client-secret"

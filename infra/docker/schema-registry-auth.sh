#!/usr/bin/env bash
# docker compose's schema registry entrypoint: turns on HTTP basic authentication before starting
# Confluent's image as usual. Each client that may call it is an OAuth 2.0 client of the realm,
# with the same secret (SWITCHBOARD_SECRET_<CLIENT>, from .env): the services and producer systems
# as readers, the contracts tool and the operator as writers. The image's open-source edition does
# not tell readers from writers; the roles are what a role-aware registry (the local stack's
# Apicurio) enforces.
set -euo pipefail
users=(orders:reader conference-bridge:reader billing:reader crm:reader mailing:reader
  pbx-collector:reader console:reader contracts:writer operator:writer)
passwords=/tmp/schema-registry-passwords
: >"$passwords"
chmod 600 "$passwords"
for entry in "${users[@]}"; do
  client="${entry%%:*}"
  variable="SWITCHBOARD_SECRET_$(printf '%s' "$client" | tr 'a-z-' 'A-Z_')"
  secret="${!variable:?$variable is not set (run infra/docker/generate-env.sh)}"
  printf '%s: %s,%s\n' "$client" "$secret" "${entry##*:}" >>"$passwords"
done
cat >/tmp/schema-registry-jaas.conf <<JAAS
SchemaRegistry {
  org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required
  file="$passwords"
  debug="false";
};
JAAS
export SCHEMA_REGISTRY_OPTS="${SCHEMA_REGISTRY_OPTS:-} -Djava.security.auth.login.config=/tmp/schema-registry-jaas.conf"
exec /etc/confluent/docker/run

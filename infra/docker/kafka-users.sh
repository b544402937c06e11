#!/usr/bin/env bash
# docker compose's kafka-users step: gives every Kafka principal its SCRAM-SHA-512 password, read
# from KAFKA_PASSWORD_<PRINCIPAL> (infra/docker/generate-env.sh writes them into .env), and the
# Confluent schema registry the topic and group it keeps schemas in. Runs in the apache/kafka image,
# as the broker's super user on its BROKER listener. Idempotent: a second run sets the same.
set -euo pipefail
BIN=/opt/kafka/bin
CONFIG=/tmp/broker.properties
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="%s";\n' \
  "$KAFKA_BROKER_PASSWORD" >"$CONFIG"
for variable in $(compgen -e | grep '^KAFKA_PASSWORD_'); do
  # KAFKA_PASSWORD_CONFERENCE_BRIDGE → conference-bridge
  principal="$(printf '%s' "${variable#KAFKA_PASSWORD_}" | tr 'A-Z_' 'a-z-')"
  "$BIN/kafka-configs.sh" --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$CONFIG" --alter \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=${!variable}]" \
    --entity-type users --entity-name "$principal" >/dev/null
  echo "SCRAM-SHA-512 credentials set for $principal"
done
"$BIN/kafka-acls.sh" --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$CONFIG" --add \
  --allow-principal User:schema-registry --operation All --topic _schemas --group schema-registry >/dev/null
"$BIN/kafka-acls.sh" --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$CONFIG" --add \
  --allow-principal User:schema-registry --operation Describe --cluster >/dev/null
echo "schema-registry may use the topic _schemas and the group schema-registry"

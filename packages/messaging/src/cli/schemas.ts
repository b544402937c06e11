#!/usr/bin/env node
/**
 * `pnpm contracts:register`: registers the schema of every topic of the catalog (subject
 * `<TOPIC_PREFIX><topic>-value`, compatibility BACKWARD) in the registry of SCHEMA_REGISTRY_URL,
 * idempotently. It is the one writer of schemas: the services only look them up. It authenticates
 * as SCHEMA_REGISTRY_USERNAME (default `contracts`) with SCHEMA_REGISTRY_PASSWORD[_FILE].
 */
import { TOPICS, type TopicName } from '@switchboard/contracts';
import { registryCredentialsFromEnv } from '@switchboard/config';
import { SchemaRegistryClient } from '../registry.ts';
import { AvroSerde } from '../serde.ts';
import { TopicNames } from '../topic-names.ts';

async function main(): Promise<number> {
  const url = (process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7').replace(
    /\/+$/,
    '',
  );
  const names = new TopicNames(process.env.TOPIC_PREFIX ?? '');
  const serde = new AvroSerde(
    new SchemaRegistryClient({ url, credentials: registryCredentialsFromEnv('contracts') }),
    names,
  );
  const topics = Object.keys(TOPICS) as TopicName[];
  await serde.register(topics);
  for (const topic of topics)
    console.log(`registered ${names.physical(topic)}-value  id ${serde.schemaId(topic)}`);
  console.log(`${topics.length} schemas in ${url}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`contracts:register: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

// Runs in every integration test worker before its test files.
import { inject } from 'vitest';
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { type TestKafka, testKafkaEnv } from './kafka.ts';
import { IDENTITY_KEY, KAFKA_KEY } from './stack-key.ts';
import type { TestIdentity } from './tokens.ts';

silenceKafkajsTimerWarning();

// Every Kafka client a test makes from the environment connects as the tests' principal.
const kafka = (inject as (key: string) => unknown)(KAFKA_KEY) as TestKafka | undefined;
if (kafka) {
  delete process.env.KAFKA_SASL_PASSWORD_FILE;
  Object.assign(process.env, testKafkaEnv(kafka));
}

// And every registry client the tests' own OAuth 2.0 client (sr-admin), where the registry is the
// local stack's; another registry's credentials come from the run's SCHEMA_REGISTRY_* variables.
const identity = (inject as (key: string) => unknown)(IDENTITY_KEY) as TestIdentity | undefined;
const secret = identity?.secrets[identity.clientId];
if (identity && secret && !process.env.SCHEMA_REGISTRY_URL?.trim()) {
  delete process.env.SCHEMA_REGISTRY_PASSWORD_FILE;
  Object.assign(process.env, {
    SCHEMA_REGISTRY_USERNAME: identity.clientId,
    SCHEMA_REGISTRY_PASSWORD: secret,
  });
}

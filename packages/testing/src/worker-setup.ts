// Runs in every integration test worker before its test files.
import { inject } from 'vitest';
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { type TestKafka, testKafkaEnv } from './kafka.ts';
import { KAFKA_KEY } from './stack-key.ts';

silenceKafkajsTimerWarning();

// Every Kafka client a test makes from the environment connects as the tests' principal.
const kafka = (inject as (key: string) => unknown)(KAFKA_KEY) as TestKafka | undefined;
if (kafka) {
  delete process.env.KAFKA_SASL_PASSWORD_FILE;
  Object.assign(process.env, testKafkaEnv(kafka));
}

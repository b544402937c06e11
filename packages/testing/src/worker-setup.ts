// Runs in every integration test worker before its test files.
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { useTestCredentials } from './access.ts';
import type { TestKafka } from './kafka.ts';
import { providedValue } from './provided.ts';
import { IDENTITY_KEY, KAFKA_KEY } from './stack-key.ts';
import type { TestIdentity } from './tokens.ts';

silenceKafkajsTimerWarning();

// Every Kafka and registry client a test makes from the environment is the tests' own.
useTestCredentials(providedValue<TestKafka>(KAFKA_KEY), providedValue<TestIdentity>(IDENTITY_KEY));

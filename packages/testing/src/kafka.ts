import { type KafkaSecurity, kafkaSecurityFromEnv } from '@switchboard/config';
import { providedValue } from './provided.ts';
import { KAFKA_KEY } from './stack-key.ts';

/**
 * How the tests reach Kafka (provided by the global setup): as their own principal (a super user
 * of the local stack's broker), with every principal's password where the run knows them (the
 * local stack), and the TLS listener where there is one.
 */
export interface TestKafka {
  readonly protocol: KafkaSecurity['protocol'];
  readonly mechanism?: NonNullable<KafkaSecurity['sasl']>['mechanism'];
  readonly username?: string;
  readonly password?: string;
  /** Passwords by principal: the catalog's principals on the local stack; none elsewhere. */
  readonly principals: Readonly<Record<string, string>>;
  /** The broker's SASL_SSL listener and the certificate it is checked against. */
  readonly tls?: { readonly brokers: readonly string[]; readonly caFile: string };
}

/** The variables that make every Kafka client of a test worker the tests' principal. */
export function testKafkaEnv(kafka: TestKafka): Record<string, string> {
  return {
    KAFKA_SECURITY_PROTOCOL: kafka.protocol,
    ...(kafka.mechanism && { KAFKA_SASL_MECHANISM: kafka.mechanism }),
    ...(kafka.username && { KAFKA_SASL_USERNAME: kafka.username }),
    ...(kafka.password && { KAFKA_SASL_PASSWORD: kafka.password }),
  };
}

export function testKafka(): TestKafka {
  const provided = providedValue<TestKafka>(KAFKA_KEY);
  if (!provided) throw new Error('Kafka credentials are only available in integration tests (*.int-spec.ts)');
  return provided;
}

/** The tests' own Kafka principal. */
export function testKafkaSecurity(): KafkaSecurity {
  return kafkaSecurityFromEnv('switchboard-tests', testKafkaEnv(testKafka()));
}

/**
 * A principal's own Kafka security (a service's, a producer system's), as the local stack made it;
 * undefined where the run does not know its password (Kafka of another deployment).
 */
export function kafkaPrincipal(principal: string): KafkaSecurity | undefined {
  const kafka = testKafka();
  const password = kafka.principals[principal];
  if (password === undefined) return undefined;
  return kafkaSecurityFromEnv(principal, {
    ...testKafkaEnv(kafka),
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: password,
  });
}

import { z } from 'zod';
import { ConfigError, parseEnv, secretFromEnv, withHiddenSecret } from './env.ts';

/** The values of `security.protocol` as every Kafka client names them (Java, librdkafka, kafkajs's docs). */
export const KAFKA_SECURITY_PROTOCOLS = ['SASL_PLAINTEXT', 'SASL_SSL', 'SSL', 'PLAINTEXT'] as const;
/** The SASL mechanisms a Switchboard client speaks; the local stack's broker takes SCRAM-SHA-512. */
export const KAFKA_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;

/** How a client authenticates to Kafka and checks the broker. */
export interface KafkaSecurity {
  readonly protocol: (typeof KAFKA_SECURITY_PROTOCOLS)[number];
  /** With SASL_PLAINTEXT and SASL_SSL: the principal. Its password is left out of logs and JSON. */
  readonly sasl?: {
    readonly mechanism: (typeof KAFKA_SASL_MECHANISMS)[number];
    readonly username: string;
    readonly password: string;
  };
  /** With SSL and SASL_SSL: the PEM file of the certificates the broker's is checked against (the system's when unset). */
  readonly tls?: { readonly caFile?: string };
}

/**
 * The variables of a Kafka client's security. The local stack's broker takes SCRAM-SHA-512 over
 * SASL_PLAINTEXT on loopback (SASL_SSL on its TLS listener); the principal defaults to the client's
 * own name, and its password comes from `KAFKA_SASL_PASSWORD` or the file in `KAFKA_SASL_PASSWORD_FILE`.
 */
export function kafkaEnv(defaultUsername: string) {
  return {
    KAFKA_SECURITY_PROTOCOL: z.enum(KAFKA_SECURITY_PROTOCOLS).default('SASL_PLAINTEXT'),
    KAFKA_SASL_MECHANISM: z.enum(KAFKA_SASL_MECHANISMS).default('SCRAM-SHA-512'),
    KAFKA_SASL_USERNAME: z.string().trim().min(1).default(defaultUsername),
    KAFKA_SASL_PASSWORD: z.string().optional(),
    KAFKA_SASL_PASSWORD_FILE: z.string().optional(),
    KAFKA_SSL_CA_FILE: z.string().trim().min(1).optional(),
  };
}

/** Maps the parsed `kafkaEnv` variables to a client's security; SASL without a password is refused. */
export function kafkaSecurityOf(vars: z.output<z.ZodObject<ReturnType<typeof kafkaEnv>>>): KafkaSecurity {
  const protocol = vars.KAFKA_SECURITY_PROTOCOL;
  const tls = protocol.endsWith('SSL') ? { caFile: vars.KAFKA_SSL_CA_FILE } : undefined;
  if (!protocol.startsWith('SASL_')) return { protocol, ...(tls && { tls }) };
  const username = vars.KAFKA_SASL_USERNAME;
  const password = secretFromEnv('KAFKA_SASL_PASSWORD', vars);
  if (password === undefined)
    throw new ConfigError(
      `invalid configuration:\n  KAFKA_SASL_PASSWORD: the password of the Kafka principal ${username} is required with KAFKA_SECURITY_PROTOCOL=${protocol} (set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE)`,
    );
  const sasl = withHiddenSecret({ mechanism: vars.KAFKA_SASL_MECHANISM, username }, 'password', password);
  return { protocol, sasl, ...(tls && { tls }) };
}

/** A tool's or a test's Kafka security from the environment; the principal defaults to `defaultUsername`. */
export function kafkaSecurityFromEnv(
  defaultUsername: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): KafkaSecurity {
  return kafkaSecurityOf(parseEnv(z.object(kafkaEnv(defaultUsername)), env));
}

/**
 * The key under which the global setup provides the stack's endpoints to test workers. Vitest 5
 * declares ProvidedContext in an internal chunk, where module augmentation cannot reach it, so the
 * value is provided and injected untyped, under this key.
 */
export const STACK_KEY = 'switchboard.stack';

/** The key under which it provides the test client of the identity provider (see tokens.ts). */
export const IDENTITY_KEY = 'switchboard.identity';

/** The key under which it provides how the tests reach Kafka (see kafka.ts). */
export const KAFKA_KEY = 'switchboard.kafka';

/** The key under which it provides how the tests log in to the SMTP server (see smtp.ts). */
export const SMTP_KEY = 'switchboard.smtp';

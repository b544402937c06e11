import type { Admin } from 'kafkajs';
import type { Messaging } from './messaging.ts';

/** A dependency check with the shape of `@switchboard/observability`'s ReadinessCheck. */
export interface MessagingCheck {
  readonly name: string;
  check(): Promise<void>;
}

/**
 * What the bus knows about its own health: whether the consumer stopped for good. kafkajs restarts
 * a consumer after retriable errors; after any other it stays down, and the service must say so.
 */
export class MessagingStatus {
  private failure: Error | undefined;

  consumerFailed(error: Error): void {
    this.failure = error;
  }

  /** The error that stopped the consumer for good, if one did. */
  get consumerFailure(): Error | undefined {
    return this.failure;
  }
}

/**
 * Readiness checks of the bus: Kafka answers a metadata request and the consumer has not stopped;
 * the schema registry answers. The admin client connects on first use and is kept.
 */
export function messagingChecks(messaging: Messaging, status: MessagingStatus): MessagingCheck[] {
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const client = messaging.kafka.admin();
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      admin = undefined;
      throw error;
    });
    return admin;
  };
  return [
    {
      name: 'kafka',
      check: async () => {
        await (await connected()).describeCluster();
        const failure = status.consumerFailure;
        if (failure) throw new Error(`consumer stopped: ${failure.message}`);
      },
    },
    { name: 'schema-registry', check: () => messaging.registry.ping() },
  ];
}

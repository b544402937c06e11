import type { Admin } from 'kafkajs';
import type { Messaging } from './messaging.ts';
import type { RelayStatus } from './outbox.ts';

/** A dependency check with the shape of `@switchboard/observability`'s ReadinessCheck. */
export interface MessagingCheck {
  readonly name: string;
  check(): Promise<void>;
}

/**
 * What the bus knows about its own health: whether the consumer stopped for good (kafkajs restarts
 * a consumer after retriable errors; after any other it stays down, and the service must say so),
 * and how the outbox relay is doing.
 */
export class MessagingStatus {
  private failure: Error | undefined;
  private relay: (() => RelayStatus) | undefined;

  consumerFailed(error: Error): void {
    this.failure = error;
  }

  /** The error that stopped the consumer for good, if one did. */
  get consumerFailure(): Error | undefined {
    return this.failure;
  }

  /** Where the outbox relay's status is read from, once it runs. */
  relayStarted(status: () => RelayStatus): void {
    this.relay = status;
  }

  /** The outbox relay's status; undefined for a service without a database. */
  get relayStatus(): RelayStatus | undefined {
    return this.relay?.();
  }
}

/** Readiness's verdict on the relay: why it counts as stalled, or undefined when it does not. */
export function relayStall(status: RelayStatus, stallAfterMs: number, now = Date.now()): string | undefined {
  const still = now - status.lastProgressAt;
  if (!status.leading || status.backlog === 0 || still < stallAfterMs) return undefined;
  const cause = status.failure ? `: ${status.failure.message}` : '';
  return (
    `outbox relay has published nothing for ${Math.round(still / 1000)} s while ${status.backlog} event(s) ` +
    `wait, the oldest for ${Math.round(status.oldestAgeMs / 1000)} s${cause}`
  );
}

/**
 * Readiness checks of the bus: Kafka answers a metadata request and the consumer has not stopped;
 * the schema registry answers; the outbox relay (where there is one) has published or found
 * nothing to publish within `stallAfterMs` (default 60 s). The admin client connects on first use
 * and is kept.
 */
export function messagingChecks(
  messaging: Messaging,
  status: MessagingStatus,
  options: { readonly stallAfterMs?: number } = {},
): MessagingCheck[] {
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
    {
      name: 'outbox',
      check: async () => {
        const relay = status.relayStatus;
        const stall = relay && relayStall(relay, options.stallAfterMs ?? 60_000);
        if (stall) throw new Error(stall);
      },
    },
  ];
}

import type { Admin } from 'kafkajs';
import type { PartitionPause } from './consumer.ts';
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
  private pauses: (() => readonly PartitionPause[]) | undefined;

  /** Where the consumer's paused partitions are read from, once it runs. */
  consumerStarted(pauses: () => readonly PartitionPause[]): void {
    this.pauses = pauses;
  }

  /** The partitions the consumer holds back for a failing dependency right now. */
  get consumerPauses(): readonly PartitionPause[] {
    return this.pauses?.() ?? [];
  }

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
 * Readiness's verdict on the consumer's pauses: which dependency holds back how many partitions,
 * since when and why; undefined when none is held back.
 */
export function consumerPauseProblem(
  pauses: readonly PartitionPause[],
  now = Date.now(),
): string | undefined {
  if (pauses.length === 0) return undefined;
  const byDependency = new Map<string, PartitionPause[]>();
  for (const pause of pauses)
    byDependency.set(pause.dependency, [...(byDependency.get(pause.dependency) ?? []), pause]);
  return [...byDependency.entries()]
    .map(([dependency, held]) => {
      const oldest = Math.min(...held.map((p) => p.since));
      const latest = held.reduce((a, b) => (b.since > a.since ? b : a));
      const topics = [...new Set(held.map((p) => p.topic))].join(', ');
      return (
        `${dependency} failing: ${held.length} partition(s) of ${topics} paused for ` +
        `${Math.round((now - oldest) / 1000)} s (${latest.reason})`
      );
    })
    .join('; ');
}

/**
 * Readiness checks of the bus: Kafka answers a metadata request and the consumer has not stopped;
 * the consumer holds back no partition for a failing dependency (`consumer`, naming it); the
 * schema registry answers; the outbox relay (where there is one) has published or found
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
    {
      name: 'consumer',
      check: async () => {
        const problem = consumerPauseProblem(status.consumerPauses);
        if (problem) throw new Error(problem);
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

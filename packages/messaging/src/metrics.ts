/**
 * Hooks the bus calls as events move; a service wires them to its metrics (Prometheus counters and
 * histograms in packages/observability). Every method is optional.
 */
export interface MessagingMetrics {
  published?(topic: string): void;
  consumed?(topic: string): void;
  /** A handler attempt failed (it may still succeed on a retry). */
  failed?(topic: string, errorClass: string): void;
  /** A record was moved to the retry topic. */
  retried?(topic: string): void;
  deadLettered?(topic: string, errorClass: string): void;
  /** A partition was paused (again) because a dependency failed; nothing was parked. */
  paused?(topic: string, dependency: string): void;
  /** How many partitions this consumer holds back for a failing dependency right now. */
  pausedPartitions?(count: number): void;
  handlerDuration?(topic: string, milliseconds: number): void;
  /** Now − the event's occurredAt, when it reaches its handler. */
  eventAge?(topic: string, milliseconds: number): void;
  /** Measured at every relay pass: rows waiting in the outbox, and how long the oldest has waited. */
  outboxBacklog?(rows: number, oldestAgeMs: number): void;
  /** A relay pass failed to publish (the rows stay and are tried again). */
  outboxPublishFailed?(errorClass: string): void;
  /** An outbox row the broker refused for good was moved to the outbox's dead letters. */
  outboxDeadLettered?(topic: string, errorClass: string): void;
}

export const NO_METRICS: MessagingMetrics = {};

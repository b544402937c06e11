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
  handlerDuration?(topic: string, milliseconds: number): void;
  /** Now − the event's occurredAt, when it reaches its handler. */
  eventAge?(topic: string, milliseconds: number): void;
  /** Unpublished rows in the outbox after a relay pass. */
  outboxBacklog?(rows: number): void;
}

export const NO_METRICS: MessagingMetrics = {};

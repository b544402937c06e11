import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsOptions {
  /** Value of the `service` label on every metric, e.g. `orders`. */
  readonly service: string;
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag, GC); default true. */
  readonly collectDefault?: boolean;
  /**
   * The topics' latency objectives, in seconds: each is made a bucket bound of the event-age
   * histogram, so the share of events handled within it is exact (the alerting rules count it).
   */
  readonly latencyObjectivesSeconds?: readonly number[];
}

/**
 * The hooks `@switchboard/messaging` calls as events move (its `MessagingMetrics`, matched by shape
 * so that neither package imports the other).
 */
export interface MessagingMetricsHooks {
  published(topic: string): void;
  consumed(topic: string): void;
  /** A handler attempt failed (it may still succeed on a retry). */
  failed(topic: string, errorClass: string): void;
  /** A record was moved to the retry topic. */
  retried(topic: string): void;
  deadLettered(topic: string, errorClass: string): void;
  /** A partition was paused (again) because a dependency failed; nothing was parked. */
  paused(topic: string, dependency: string): void;
  /** How many partitions the consumer holds back for a failing dependency right now. */
  pausedPartitions(count: number): void;
  handlerDuration(topic: string, milliseconds: number): void;
  /** Now − the event's occurredAt, when it reaches its handler. */
  eventAge(topic: string, milliseconds: number): void;
  /** Measured at every relay pass: rows waiting in the outbox, and how long the oldest has waited. */
  outboxBacklog(rows: number, oldestAgeMs: number): void;
  /** A relay pass failed to publish (the rows stay and are tried again). */
  outboxPublishFailed(errorClass: string): void;
  /** An outbox row the broker refused for good was moved to the outbox's dead letters. */
  outboxDeadLettered(topic: string, errorClass: string): void;
}

/** Seconds, as OpenTelemetry's HTTP semantic conventions recommend. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const HANDLER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Event age reaches minutes and hours when a consumer lags or a record went through retries. */
const EVENT_AGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * A service's Prometheus metrics, in a registry of its own (so a test can make several), each
 * labelled `service`. Durations are in seconds, as Prometheus names them.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly messaging: MessagingMetricsHooks;

  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly httpInFlight: Gauge;
  private readonly pruned: Counter<'rule'>;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service: options.service });
    if (options.collectDefault ?? true) collectDefaultMetrics({ register: this.registry });

    this.httpDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time from the start of an HTTP request to the end of its response, by route template.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.httpInFlight = new Gauge({
      name: 'http_server_requests_in_flight',
      help: 'HTTP requests that have started and not yet ended.',
      registers,
    });
    this.pruned = new Counter({
      name: 'db_rows_pruned_total',
      help: "Rows of the service's database pruned by a retention rule (inbox ids, Idempotency-Keys, ...).",
      labelNames: ['rule'],
      registers,
    });

    const published = new Counter({
      name: 'messaging_published_total',
      help: 'Events published to Kafka.',
      labelNames: ['topic'],
      registers,
    });
    const consumed = new Counter({
      name: 'messaging_consumed_total',
      help: 'Events received and decoded, before their handler runs (redeliveries included).',
      labelNames: ['topic'],
      registers,
    });
    const failed = new Counter({
      name: 'messaging_failed_total',
      help: 'Handler attempts that failed (a later attempt may succeed).',
      labelNames: ['topic', 'error_class'],
      registers,
    });
    const retried = new Counter({
      name: 'messaging_retried_total',
      help: 'Events moved to the retry topic.',
      labelNames: ['topic'],
      registers,
    });
    const deadLettered = new Counter({
      name: 'messaging_dead_lettered_total',
      help: 'Events parked on the dead-letter topic.',
      labelNames: ['topic', 'error_class'],
      registers,
    });
    const paused = new Counter({
      name: 'messaging_consumer_pauses_total',
      help: 'Times a partition was paused because a dependency failed (its record waits; nothing is parked).',
      labelNames: ['topic', 'dependency'],
      registers,
    });
    const pausedPartitions = new Gauge({
      name: 'messaging_consumer_paused_partitions',
      help: 'Partitions the consumer holds back right now because a dependency fails.',
      registers,
    });
    const handlerDuration = new Histogram({
      name: 'messaging_handler_duration_seconds',
      help: 'Time an event handler took, per attempt.',
      labelNames: ['topic'],
      buckets: HANDLER_BUCKETS,
      registers,
    });
    const eventAge = new Histogram({
      name: 'messaging_event_age_seconds',
      help: "Time from an event's occurredAt to the moment it reached its handler.",
      labelNames: ['topic'],
      buckets: [...new Set([...EVENT_AGE_BUCKETS, ...(options.latencyObjectivesSeconds ?? [])])].sort(
        (a, b) => a - b,
      ),
      registers,
    });
    const outboxBacklog = new Gauge({
      name: 'messaging_outbox_backlog',
      help: 'Events waiting in the outbox, measured at every relay pass.',
      registers,
    });
    const outboxOldestAge = new Gauge({
      name: 'messaging_outbox_oldest_age_seconds',
      help: 'How long the oldest event waiting in the outbox had waited, at the last relay pass.',
      registers,
    });
    const outboxPublishFailures = new Counter({
      name: 'messaging_outbox_publish_failures_total',
      help: 'Relay passes that failed to publish (their events stay in the outbox and are tried again).',
      labelNames: ['error_class'],
      registers,
    });
    const outboxDeadLettered = new Counter({
      name: 'messaging_outbox_dead_lettered_total',
      help: "Outbox events the broker refused for good, moved to the outbox's dead letters.",
      labelNames: ['topic', 'error_class'],
      registers,
    });

    this.messaging = {
      published: (topic) => published.inc({ topic }),
      consumed: (topic) => consumed.inc({ topic }),
      failed: (topic, errorClass) => failed.inc({ topic, error_class: errorClass }),
      retried: (topic) => retried.inc({ topic }),
      deadLettered: (topic, errorClass) => deadLettered.inc({ topic, error_class: errorClass }),
      paused: (topic, dependency) => paused.inc({ topic, dependency }),
      pausedPartitions: (count) => pausedPartitions.set(count),
      handlerDuration: (topic, milliseconds) => handlerDuration.observe({ topic }, milliseconds / 1000),
      eventAge: (topic, milliseconds) => eventAge.observe({ topic }, Math.max(0, milliseconds) / 1000),
      outboxBacklog: (rows, oldestAgeMs) => {
        outboxBacklog.set(rows);
        outboxOldestAge.set(oldestAgeMs / 1000);
      },
      outboxPublishFailed: (errorClass) => outboxPublishFailures.inc({ error_class: errorClass }),
      outboxDeadLettered: (topic, errorClass) => outboxDeadLettered.inc({ topic, error_class: errorClass }),
    };
  }

  /**
   * Records one finished HTTP request. `route` is the matched route template
   * (`/v1/orders/:id`), never the raw path, so that ids do not multiply the series; use
   * `unmatched` for requests no route matched.
   */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** Counts a request as in flight until the returned function is called (once). */
  httpRequestStarted(): () => void {
    this.httpInFlight.inc();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.httpInFlight.dec();
    };
  }

  /**
   * Reports the size of each table of the service's database as `db_table_size_bytes{table}`,
   * read at every scrape. A failed read (the database down: readiness says so) leaves the gauge
   * empty for that scrape rather than failing the whole scrape.
   */
  tableSizes(read: () => Promise<readonly { table: string; bytes: number }[]>): void {
    new Gauge({
      name: 'db_table_size_bytes',
      help: "Bytes each table of the service's database takes on disk, indexes and TOAST included.",
      labelNames: ['table'],
      registers: [this.registry],
      async collect() {
        const sizes = await read().catch(() => []);
        this.reset();
        for (const { table, bytes } of sizes) this.set({ table }, bytes);
      },
    });
  }

  /**
   * Counts the rows a retention rule pruned (`db_rows_pruned_total{rule}`): what the service kept
   * only for a while and no longer keeps.
   */
  rowsPruned(rule: string, rows: number): void {
    this.pruned.inc({ rule }, rows);
  }

  /** The exposition text for `GET /metrics`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '@opentelemetry/api';
import type { EventOf, TopicName } from '@switchboard/contracts';
import { assertKeyOf } from './keys.ts';
import { type MessagingMetrics, NO_METRICS } from './metrics.ts';
import type { EventPublisher, RawRecord } from './publisher.ts';
import { type AvroSerde, frame } from './serde.ts';
import type { SqlDatabase, SqlExecutor } from './sql.ts';
import type { TopicNames } from './topic-names.ts';
import { extractTraceContext, injectTraceContext, withPublishSpan } from './tracing.ts';

const CHANNEL = 'messaging_outbox';
/** Advisory lock key of the relay (any constant unique to this use). */
const RELAY_LOCK = 7_243_001;

/**
 * Writes an event into the outbox inside the caller's transaction, so the state change and the
 * event commit together or not at all. The trace context active now travels with the row; the
 * commit wakes the relay through NOTIFY.
 */
export class Outbox {
  constructor(private readonly serde: AvroSerde) {}

  /**
   * `trace` is the context the event follows from (default: the active one); a batch handler
   * passes each record's `context.trace`.
   */
  async enqueue<T extends TopicName>(
    tx: SqlExecutor,
    topic: T,
    key: string,
    event: EventOf<T>,
    options: { trace?: Context } = {},
  ): Promise<void> {
    await this.enqueueMany(tx, [{ topic, key, event, trace: options.trace }]);
  }

  /** Several events in one statement and one notification, in the given order. */
  async enqueueMany(tx: SqlExecutor, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const topics: string[] = [];
    const keys: string[] = [];
    const ids: string[] = [];
    const payloads: Buffer[] = [];
    const headers: string[] = [];
    for (const { topic, key, event, trace } of entries) {
      assertKeyOf(topic, key, event);
      const carrier: Record<string, string> = {};
      injectTraceContext(carrier, trace);
      topics.push(topic);
      keys.push(key);
      ids.push(event.meta.eventId);
      payloads.push(this.serde.encodeBody(topic, event));
      headers.push(JSON.stringify(carrier));
    }
    // unnest keeps the arrays' order, and bigserial ids follow it.
    await tx.query(
      `INSERT INTO messaging_outbox (topic, key, event_id, payload, headers)
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::bytea[], $5::jsonb[])`,
      [topics, keys, ids, payloads, headers],
    );
    await tx.query(`SELECT pg_notify('${CHANNEL}', '')`);
  }
}

/** One event to write to the outbox. */
export interface OutboxEntry<T extends TopicName = TopicName> {
  readonly topic: T;
  readonly key: string;
  readonly event: EventOf<T>;
  readonly trace?: Context;
}

interface OutboxRow {
  id: string | number;
  topic: string;
  key: string;
  payload: Uint8Array;
  headers: Record<string, string> | string;
}

export interface RelayOptions {
  /** Rows published per pass (default 500). */
  readonly batchSize?: number;
  /** Fallback poll, in case a notification is missed (default 1 s). */
  readonly pollIntervalMs?: number;
  readonly metrics?: MessagingMetrics;
  /** Called when a pass fails; the relay retries on the next wake-up or poll. */
  readonly onError?: (error: Error) => void;
}

/**
 * Publishes outbox rows in id order and deletes them once Kafka acknowledged them. Woken by the
 * NOTIFY of each commit, and by a slow poll as a safety net. A crash between publishing and
 * deleting publishes those rows again, in the same order; consumers drop the repeats through
 * their inbox, so a key's events are never lost nor reordered.
 */
export class OutboxRelay {
  private running = false;
  private wakeUp: (() => void) | undefined;
  private pending = false;
  private loop: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly prepared = new Set<string>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly publisher: EventPublisher,
    private readonly serde: AvroSerde,
    private readonly names: TopicNames,
    private readonly options: RelayOptions = {},
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.unlisten = await this.db.listen(CHANNEL, () => this.wake());
    this.loop = this.run();
  }

  /** Asks for a pass now (e.g. right after a commit in this process). */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /** Finishes the pass in progress and stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await this.unlisten?.();
  }

  private async run(): Promise<void> {
    const metrics = this.options.metrics ?? NO_METRICS;
    while (this.running) {
      this.pending = false;
      try {
        let published: number;
        do {
          published = await this.publishBatch();
        } while (published > 0 && this.running);
        if (metrics.outboxBacklog) {
          const [{ count } = { count: 0 }] = (
            await this.db.query<{ count: number }>('SELECT count(*)::int AS count FROM messaging_outbox')
          ).rows;
          metrics.outboxBacklog(count);
        }
      } catch (error) {
        this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
        await sleep(500);
      }
      if (!this.running || this.pending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollIntervalMs ?? 1_000);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        // A wake() that came before wakeUp was set must not wait for the poll.
        if (this.pending) this.wakeUp();
      });
      this.wakeUp = undefined;
    }
  }

  /**
   * One pass: the oldest rows, published in order, then deleted. Returns how many. No transaction
   * is held while Kafka is called, so the service's own transactions never wait for the broker; a
   * session advisory lock keeps it to one relay at a time per database.
   */
  async publishBatch(): Promise<number> {
    return this.db.session(async (connection) => {
      const [lock] = (
        await connection.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK])
      ).rows;
      if (!lock?.ok) return 0;
      try {
        const { rows } = await connection.query<OutboxRow>(
          'SELECT id, topic, key, payload, headers FROM messaging_outbox ORDER BY id LIMIT $1',
          [this.options.batchSize ?? 500],
        );
        if (rows.length === 0) return 0;
        const topics = [...new Set(rows.map((r) => r.topic))].filter(
          (t) => !this.prepared.has(t),
        ) as TopicName[];
        if (topics.length > 0) {
          await this.serde.prepare(topics);
          for (const topic of topics) this.prepared.add(topic);
        }
        const records = await Promise.all(rows.map((row) => this.toRecord(row)));
        await this.publisher.send(records);
        await connection.query('DELETE FROM messaging_outbox WHERE id = ANY($1::bigint[])', [
          rows.map((r) => String(r.id)),
        ]);
        return rows.length;
      } finally {
        await connection.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]);
      }
    });
  }

  /** A row as a record, in a PRODUCER span that continues the trace of the code that enqueued it. */
  private async toRecord(row: OutboxRow): Promise<RawRecord> {
    const stored =
      typeof row.headers === 'string' ? (JSON.parse(row.headers) as Record<string, string>) : row.headers;
    const topic = this.names.physical(row.topic);
    return withPublishSpan(
      { topic, key: row.key },
      async () => {
        const headers: Record<string, string> = {};
        injectTraceContext(headers);
        return {
          topic,
          key: row.key,
          value: frame(this.serde.schemaId(row.topic as TopicName), Buffer.from(row.payload)),
          headers,
        };
      },
      extractTraceContext(stored),
    );
  }
}

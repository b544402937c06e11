import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, type Span, trace } from '@opentelemetry/api';
import type { EventOf, TopicName } from '@switchboard/contracts';
import { assertKeyOf } from './keys.ts';
import { type MessagingMetrics, NO_METRICS } from './metrics.ts';
import type { EventPublisher, RawRecord } from './publisher.ts';
import { type AvroSerde, frame } from './serde.ts';
import type { SqlDatabase, SqlExecutor } from './sql.ts';
import type { TopicNames } from './topic-names.ts';
import { extractTraceContext, failSpan, injectTraceContext, startPublishSpan } from './tracing.ts';

const CHANNEL = 'messaging_outbox';
/** Advisory lock key of the relay (any constant unique to this use). */
const RELAY_LOCK = 7_243_001;

/**
 * Writes an event into the outbox inside the caller's transaction, so the state change and the
 * event commit together or not at all. The trace context active now travels with the row.
 *
 * The commit wakes the relay: directly, when this process's relay is the one publishing (see
 * `wakes`); otherwise through a NOTIFY that the publishing relay, in whichever process, hears.
 * The direct way spares every commit PostgreSQL's NOTIFY lock, which serializes notifying commits.
 */
export class Outbox {
  private relay: OutboxRelay | undefined;

  constructor(private readonly serde: AvroSerde) {}

  /** Has the commits of this outbox wake `relay` in process while it holds the relay lock. */
  wakes(relay: OutboxRelay): this {
    this.relay = relay;
    return this;
  }

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

  /** Several events in one statement and one wake-up, in the given order. */
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
    const relay = this.relay;
    if (relay?.leading && tx.afterCommit) tx.afterCommit(() => relay.wake());
    else await tx.query(`SELECT pg_notify('${CHANNEL}', '')`);
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
  event_id: string;
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
 * Publishes outbox rows in id order and deletes them once Kafka acknowledged them. One relay per
 * database publishes at a time: it holds a session advisory lock for as long as it runs, and the
 * relays of other replicas wait on standby, trying again at every poll. Woken by the commits of
 * its own process, by the NOTIFY of other processes' commits, and by a slow poll as a safety net.
 *
 * A crash between publishing and deleting publishes those rows again, in the same order;
 * consumers drop the repeats through their inbox, so a key's events are never lost nor reordered.
 */
export class OutboxRelay {
  private running = false;
  private wakeUp: (() => void) | undefined;
  private pending = false;
  private loop: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly prepared = new Set<string>();
  private lockHeld = false;

  constructor(
    private readonly db: SqlDatabase,
    private readonly publisher: EventPublisher,
    private readonly serde: AvroSerde,
    private readonly names: TopicNames,
    private readonly options: RelayOptions = {},
  ) {}

  /** True while this relay holds the relay lock, so it is the one publishing for its database. */
  get leading(): boolean {
    return this.lockHeld;
  }

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

  /** Finishes the pass in progress, deletes what it published, releases the lock and stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.();
  }

  /**
   * Publishes every row in the outbox now, in batches, and returns how many; 0 when another relay
   * holds the lock. For tools and tests; a started relay does this by itself.
   */
  async drain(): Promise<number> {
    return this.db.session(async (connection) => {
      if (!(await this.lock(connection))) return 0;
      try {
        let total = 0;
        let published: readonly OutboxRow[] = [];
        do {
          published = await this.next(connection, published);
          if (published.length > 0) await this.publish(published);
          total += published.length;
        } while (published.length > 0);
        return total;
      } finally {
        await this.unlock(connection);
      }
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.db.session((connection) => this.lead(connection));
      } catch (error) {
        this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
        await sleep(500);
      }
      // Standby (another relay leads) or recovering from an error: try again at the next wake-up.
      if (this.running) await this.idle();
    }
  }

  /**
   * While this relay holds the lock: publishes batches as long as there are rows, then waits for a
   * wake-up. Each batch's rows are deleted by the statement that reads the next batch.
   */
  private async lead(connection: SqlExecutor): Promise<void> {
    if (!(await this.lock(connection))) return;
    const metrics = this.options.metrics ?? NO_METRICS;
    let published: readonly OutboxRow[] = [];
    try {
      while (this.running) {
        this.pending = false;
        const rows = await this.next(connection, published);
        published = [];
        if (rows.length > 0) {
          await this.publish(rows);
          published = rows;
          continue;
        }
        if (metrics.outboxBacklog) {
          const [{ count } = { count: 0 }] = (
            await connection.query<{ count: number }>('SELECT count(*)::int AS count FROM messaging_outbox')
          ).rows;
          metrics.outboxBacklog(count);
        }
        await this.idle();
      }
      if (published.length > 0) await this.delete(connection, published);
    } finally {
      await this.unlock(connection);
    }
  }

  /** Waits for a wake-up or the poll interval, unless a wake-up came already. */
  private async idle(): Promise<void> {
    if (!this.running || this.pending) return;
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

  /**
   * Takes the relay lock on this connection. On a connection of its own, the relay's deletes then
   * commit without waiting for the disk: one lost in a crash only publishes its rows again, which
   * the inbox absorbs, and the handlers' transactions no longer queue behind them for the WAL
   * flush. Never on a shared connection (PGlite), where it would reach the handlers' commits.
   */
  private async lock(connection: SqlExecutor): Promise<boolean> {
    const [row] = (
      await connection.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK])
    ).rows;
    this.lockHeld = row?.ok === true;
    if (this.lockHeld && this.db.separateSessions) await connection.query('SET synchronous_commit TO off');
    return this.lockHeld;
  }

  /** Releases the lock and leaves the connection as it was found, for the pool's next user. */
  private async unlock(connection: SqlExecutor): Promise<void> {
    this.lockHeld = false;
    if (this.db.separateSessions) await connection.query('RESET synchronous_commit');
    await connection.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]);
  }

  /**
   * In one statement: deletes the rows just published and reads the oldest of the rest. The read
   * sees the table as it was before the delete, so it leaves those rows out explicitly.
   */
  private async next(connection: SqlExecutor, published: readonly OutboxRow[]): Promise<OutboxRow[]> {
    const ids = published.map((r) => String(r.id));
    const { rows } = await connection.query<OutboxRow>(
      `WITH published AS (DELETE FROM messaging_outbox WHERE id = ANY($1::bigint[]))
       SELECT id, topic, key, event_id, payload, headers FROM messaging_outbox
       WHERE NOT (id = ANY($1::bigint[])) ORDER BY id LIMIT $2`,
      [ids, this.options.batchSize ?? 500],
    );
    return rows;
  }

  private async delete(connection: SqlExecutor, published: readonly OutboxRow[]): Promise<void> {
    await connection.query('DELETE FROM messaging_outbox WHERE id = ANY($1::bigint[])', [
      published.map((r) => String(r.id)),
    ]);
  }

  /** Sends rows to Kafka in their order; resolves once all are acknowledged. */
  private async publish(rows: readonly OutboxRow[]): Promise<void> {
    const topics = [...new Set(rows.map((r) => r.topic))].filter((t) => !this.prepared.has(t)) as TopicName[];
    if (topics.length > 0) {
      await this.serde.prepare(topics);
      for (const topic of topics) this.prepared.add(topic);
    }
    const sending = rows.map((row) => this.toRecord(row));
    try {
      await this.publisher.send(sending.map((s) => s.record));
    } catch (error) {
      for (const { span } of sending) failSpan(span, error);
      throw error;
    } finally {
      for (const { span } of sending) span.end();
    }
  }

  /**
   * A row as a record, with a PRODUCER span that continues the trace of the code that enqueued it;
   * the span is left open for `publish` to end when Kafka has answered.
   */
  private toRecord(row: OutboxRow): { record: RawRecord; span: Span } {
    const stored =
      typeof row.headers === 'string' ? (JSON.parse(row.headers) as Record<string, string>) : row.headers;
    const topic = this.names.physical(row.topic);
    const parent = extractTraceContext(stored);
    const span = startPublishSpan({ topic, key: row.key, eventId: row.event_id }, parent);
    const headers: Record<string, string> = {};
    injectTraceContext(headers, trace.setSpan(parent, span));
    const value = frame(this.serde.schemaId(row.topic as TopicName), Buffer.from(row.payload));
    return { record: { topic, key: row.key, value, headers }, span };
  }
}

import { type Context, context, type Span, trace } from '@opentelemetry/api';
import { businessAttributes, type EventOf, type TopicName } from '@switchboard/contracts';
import { assertKeyOf } from './keys.ts';
import type { MessagingMetrics } from './metrics.ts';
import type { EventPublisher, RawRecord } from './publisher.ts';
import { type AvroSerde, frame } from './serde.ts';
import {
  type Backoff,
  backoffDelayMs,
  ExclusiveLoop,
  type SqlDatabase,
  type SqlExecutor,
} from '@switchboard/database';
import type { TopicNames } from './topic-names.ts';
import { extractTraceContext, failSpan, injectTraceContext, startPublishSpan } from './tracing.ts';

const CHANNEL = 'messaging_outbox';
/** Advisory lock key of the relay (any constant unique to this use). */
const RELAY_LOCK = 7_243_001;
/**
 * What a row adds to a request beyond its payload and key, in bytes: the record's framing and
 * varints, the wire-format header and the trace headers the relay writes. Generous on purpose.
 */
const RECORD_OVERHEAD_BYTES = 256;
/** The exact backlog needs a count over the table; while passes follow each other, at most this often. */
const BACKLOG_COUNT_EVERY_MS = 1_000;
/** Pause after a failed pass, doubling up to 30 s; the relay keeps the lock meanwhile. */
const FAILURE_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, jitter: 'none' };
/** How often the relay looks at the outbox when nothing woke it (default of `pollIntervalMs`). */
const POLL_MS = 1_000;
/**
 * Broker answers that refuse the records themselves, however often they are sent: a batch is split
 * until the refused record is alone, and that record is parked.
 */
const RECORD_REFUSALS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
]);

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

  /**
   * Several events in one statement and one wake-up, in the given order. The payloads travel as
   * one binary parameter cut apart by the statement: an array of bytea would go as text, each
   * byte spelled in hex and escaped, twice the bytes and most of the client's work.
   */
  async enqueueMany(tx: SqlExecutor, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const topics: string[] = [];
    const keys: string[] = [];
    const ids: string[] = [];
    const payloads: Buffer[] = [];
    const starts: number[] = [];
    const lengths: number[] = [];
    const headers: string[] = [];
    let offset = 1; // substring counts from 1
    for (const { topic, key, event, trace: from } of entries) {
      assertKeyOf(topic, key, event);
      const carrier: Record<string, string> = {};
      injectTraceContext(carrier, from);
      // The span that caused the event (a request, a handler) is found by the event's business keys.
      const span = trace.getSpan(from ?? context.active());
      if (span?.isRecording()) span.setAttributes(businessAttributes(event));
      const payload = this.serde.encodeBody(topic, event);
      topics.push(topic);
      keys.push(key);
      ids.push(event.meta.eventId);
      payloads.push(payload);
      starts.push(offset);
      lengths.push(payload.length);
      headers.push(JSON.stringify(carrier));
      offset += payload.length;
    }
    // unnest keeps the arrays' order, and bigserial ids follow it.
    await tx.query(
      `INSERT INTO messaging_outbox (topic, key, event_id, payload, headers)
       SELECT topic, key, event_id, substring($4::bytea FROM start FOR length), headers
       FROM unnest($1::text[], $2::text[], $3::uuid[], $5::int[], $6::int[], $7::jsonb[])
         AS entry(topic, key, event_id, start, length, headers)`,
      [topics, keys, ids, Buffer.concat(payloads), starts, lengths, headers],
    );
    await this.wakeRelayOnCommit(tx);
  }

  /** Has the commit of `tx`, which wrote rows to the outbox, wake the relay that publishes them. */
  async wakeRelayOnCommit(tx: SqlExecutor): Promise<void> {
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
  /** On the first row of a read only (the backlog's age needs no more). */
  created_at: Date | string | null;
  /** Rows the read considered before the byte bound cut the batch; on the first row only. */
  candidates: string | number | null;
}

export interface RelayOptions {
  /** Most rows published per pass (default 500). */
  readonly batchSize?: number;
  /**
   * Most bytes published per pass (default 512 KiB): under the broker's default 1 MiB per record
   * batch, which a pass's records for one partition make up. A row larger than this goes alone.
   */
  readonly maxBatchBytes?: number;
  /** Fallback poll, in case a notification is missed (default 1 s). */
  readonly pollIntervalMs?: number;
  readonly metrics?: MessagingMetrics;
  /** Told of the first failed pass of a run of them; the relay pauses and tries again, keeping the rows. */
  readonly onFailing?: (error: Error, status: RelayStatus) => void;
  /** Told when a pass succeeds again after failed ones. */
  readonly onRecovered?: (failedPasses: number, downMs: number) => void;
  /** Told once of every row moved to the outbox's dead letters. */
  readonly onDeadLetter?: (letter: ParkedRow, error: Error) => void;
  /** Called when a pass fails on the database (the relay starts over after a pause). */
  readonly onError?: (error: Error) => void;
}

/** A row the broker refused for good, as it was parked. */
export interface ParkedRow {
  /** Its id among the outbox's dead letters (for replay). */
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly eventId: string;
  readonly bytes: number;
  readonly errorClass: string;
}

/** What the relay knows of its own progress, for readiness and metrics. */
export interface RelayStatus {
  /** True while this relay holds the relay lock, so it is the one publishing for its database. */
  readonly leading: boolean;
  /** Rows waiting at the last pass (0 when it found the outbox empty). */
  readonly backlog: number;
  /** How long the oldest of them had waited, at the last pass, in milliseconds. */
  readonly oldestAgeMs: number;
  /** When the relay last published or parked rows, or found nothing to publish (epoch ms). */
  readonly lastProgressAt: number;
  /** The error of the last pass, while passes fail. */
  readonly failure: Error | undefined;
  /** Passes failed in a row. */
  readonly failedPasses: number;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The broker's name for why it refused records (kafkajs's error type), looking through retries. */
function refusalOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

/**
 * Publishes outbox rows in id order and deletes them once Kafka acknowledged them. One relay per
 * database publishes at a time: it holds a session advisory lock for as long as it runs, and the
 * relays of other replicas wait on standby, trying again at every poll. Woken by the commits of
 * its own process, by the NOTIFY of other processes' commits, and by a slow poll as a safety net.
 *
 * A pass takes at most `batchSize` rows and `maxBatchBytes` bytes. When the broker refuses a batch
 * as too large or invalid, the relay splits it until the refused record is alone, and parks that
 * record among the outbox's dead letters (`messaging_outbox_dead_letters`), so one bad row never
 * holds the rows behind it. Any other failure keeps the rows and tries again after a pause that
 * grows up to 30 s; `status` tells for how long nothing moved.
 *
 * A crash between publishing and deleting publishes those rows again, in the same order;
 * consumers drop the repeats through their inbox, so a key's events are never lost nor reordered.
 */
export class OutboxRelay {
  private readonly loop: ExclusiveLoop;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly prepared = new Set<string>();
  /** Rows the last pass published: deleted by the statement that reads the next batch. */
  private published: readonly OutboxRow[] = [];
  private backlog = 0;
  private oldestAgeMs = 0;
  private lastCountAt = 0;
  private lastProgressAt = Date.now();
  private failure: Error | undefined;
  private failedPasses = 0;
  private failingSince = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly publisher: EventPublisher,
    private readonly serde: AvroSerde,
    private readonly names: TopicNames,
    private readonly options: RelayOptions = {},
  ) {
    this.loop = new ExclusiveLoop(db, {
      lockKey: RELAY_LOCK,
      standbyMs: options.pollIntervalMs ?? POLL_MS,
      onError: (error) => this.options.onError?.(asError(error)),
      onLead: (session) => this.lead(session),
      onStandDown: (session) => this.standDown(session),
    });
  }

  /** True while this relay holds the relay lock, so it is the one publishing for its database. */
  get leading(): boolean {
    return this.loop.leading;
  }

  get status(): RelayStatus {
    return {
      leading: this.loop.leading,
      backlog: this.backlog,
      oldestAgeMs: this.oldestAgeMs,
      lastProgressAt: this.lastProgressAt,
      failure: this.failure,
      failedPasses: this.failedPasses,
    };
  }

  async start(): Promise<void> {
    this.lastProgressAt = Date.now();
    this.unlisten = await this.db.listen(CHANNEL, () => this.wake());
    this.loop.start((session) => this.pass(session));
  }

  /** Asks for a pass now (e.g. right after a commit in this process). */
  wake(): void {
    this.loop.wake();
  }

  /** Finishes the pass in progress, deletes what it published, releases the lock and stops. */
  async stop(): Promise<void> {
    await this.loop.stop();
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.();
  }

  /**
   * Publishes every row in the outbox now, in batches, and returns how many it published or
   * parked; 0 when another relay holds the lock. For tools and tests; a started relay does this by
   * itself. Fails, leaving the rest in the outbox, when a batch cannot be published.
   */
  async drain(): Promise<number> {
    const drained = await this.loop.exclusively(async (session) => {
      let total = 0;
      let published: readonly OutboxRow[] = [];
      for (;;) {
        const rows = await this.next(session, published);
        if (rows.length === 0) return total;
        published = await this.publish(session, rows);
        total += rows.length;
      }
    });
    return drained?.value ?? 0;
  }

  /**
   * One pass while this relay leads: publishes the next batch, or waits for a wake-up (or the poll)
   * when there is none; after a failure, keeps the rows and waits longer at each failure.
   */
  private async pass(session: SqlExecutor): Promise<void> {
    const rows = await this.next(session, this.published);
    this.published = [];
    if (rows.length === 0) {
      this.progressed();
      await this.loop.sleeper.sleep(this.options.pollIntervalMs ?? POLL_MS, { wakeable: true });
      return;
    }
    try {
      this.published = await this.publish(session, rows);
      this.progressed();
    } catch (error) {
      this.failed(asError(error));
      await this.loop.sleeper.sleep(backoffDelayMs(this.failedPasses, FAILURE_BACKOFF));
    }
  }

  private progressed(): void {
    this.lastProgressAt = Date.now();
    if (this.failedPasses > 0) this.options.onRecovered?.(this.failedPasses, Date.now() - this.failingSince);
    this.failedPasses = 0;
    this.failure = undefined;
  }

  private failed(error: Error): void {
    this.failedPasses += 1;
    this.failure = error;
    this.options.metrics?.outboxPublishFailed?.(refusalOf(error) ?? error.name);
    if (this.failedPasses === 1) {
      this.failingSince = Date.now();
      this.options.onFailing?.(error, this.status);
    }
  }

  /**
   * Once the relay holds the lock, on its connection: on a connection of its own, the relay's
   * deletes then commit without waiting for the disk: one lost in a crash only publishes its rows
   * again, which the inbox absorbs, and the handlers' transactions no longer queue behind them for
   * the WAL flush. Never on a shared connection (PGlite), where it would reach the handlers' commits.
   */
  private async lead(session: SqlExecutor): Promise<void> {
    if (this.db.separateSessions) await session.query('SET synchronous_commit TO off');
  }

  /** Before the lock goes: deletes what was published, leaves the connection as it was found. */
  private async standDown(session: SqlExecutor): Promise<void> {
    if (this.published.length > 0) {
      await this.delete(session, this.published);
      this.published = [];
    }
    if (this.db.separateSessions) await session.query('RESET synchronous_commit');
  }

  /**
   * In one statement: deletes the rows just published and reads the oldest of the rest, at most
   * `batchSize` rows and, but for the first, `maxBatchBytes` bytes. The read sees the table as it
   * was before the delete, so it leaves those rows out explicitly. Then measures the backlog.
   */
  private async next(connection: SqlExecutor, published: readonly OutboxRow[]): Promise<OutboxRow[]> {
    const ids = published.map((r) => String(r.id));
    const batchSize = this.options.batchSize ?? 500;
    const { rows } = await connection.query<OutboxRow>(
      `WITH published AS (DELETE FROM messaging_outbox WHERE id = ANY($1::bigint[])),
       candidates AS (
         SELECT c.*, sum(octet_length(c.payload) + octet_length(c.key) + $4) OVER (ORDER BY c.id) AS upto,
                row_number() OVER (ORDER BY c.id) AS position, count(*) OVER () AS candidates
         FROM (SELECT id, topic, key, event_id, payload, headers, created_at FROM messaging_outbox
               WHERE NOT (id = ANY($1::bigint[])) ORDER BY id LIMIT $2) c
       )
       SELECT id, topic, key, event_id, payload, headers,
              CASE WHEN position = 1 THEN created_at END AS created_at,
              CASE WHEN position = 1 THEN candidates END AS candidates
       FROM candidates
       WHERE position = 1 OR upto <= $3 ORDER BY id`,
      [ids, batchSize, this.options.maxBatchBytes ?? 512 * 1024, RECORD_OVERHEAD_BYTES],
    );
    await this.measure(connection, rows, published.length, batchSize);
    return rows;
  }

  /**
   * The backlog at this pass: exact from the read when it took every waiting row, else from a
   * count over the table, made at most once a second (in between, the last count less what has
   * been published since). The oldest row's age comes from the read itself.
   */
  private async measure(
    connection: SqlExecutor,
    rows: readonly OutboxRow[],
    justPublished: number,
    batchSize: number,
  ): Promise<void> {
    const first = rows[0];
    const everything =
      first === undefined || (rows.length === Number(first.candidates) && rows.length < batchSize);
    if (everything) {
      this.backlog = rows.length;
    } else if (Date.now() - this.lastCountAt >= BACKLOG_COUNT_EVERY_MS) {
      const [{ count } = { count: rows.length }] = (
        await connection.query<{ count: number }>('SELECT count(*)::int AS count FROM messaging_outbox')
      ).rows;
      this.backlog = count;
      this.lastCountAt = Date.now();
    } else {
      this.backlog = Math.max(rows.length, this.backlog - justPublished);
    }
    this.oldestAgeMs =
      first?.created_at == null ? 0 : Math.max(0, Date.now() - new Date(first.created_at).getTime());
    this.options.metrics?.outboxBacklog?.(this.backlog, this.oldestAgeMs);
  }

  private async delete(connection: SqlExecutor, published: readonly OutboxRow[]): Promise<void> {
    await connection.query('DELETE FROM messaging_outbox WHERE id = ANY($1::bigint[])', [
      published.map((r) => String(r.id)),
    ]);
  }

  /**
   * Publishes rows in their order. Returns the rows published and still to delete: all of them,
   * unless the broker refused the batch and it was split (each part is then deleted as soon as it
   * is published, and a refused single row is parked). Throws on any other failure, leaving
   * unpublished rows where they are.
   */
  private async publish(connection: SqlExecutor, rows: readonly OutboxRow[]): Promise<readonly OutboxRow[]> {
    try {
      await this.send(rows);
      return rows;
    } catch (error) {
      // Whatever failed, kafkajs's sequence numbers may no longer match the broker's.
      await this.publisher.reset().catch(() => undefined);
      const refusal = refusalOf(error);
      if (refusal === undefined || !RECORD_REFUSALS.has(refusal)) throw error;
      const [only] = rows;
      if (rows.length === 1 && only) {
        await this.park(connection, only, asError(error), refusal);
        return [];
      }
      const half = Math.ceil(rows.length / 2);
      for (const part of [rows.slice(0, half), rows.slice(half)]) {
        const done = await this.publish(connection, part);
        if (done.length > 0) await this.delete(connection, done);
      }
      return [];
    }
  }

  /** Moves a row the broker refused for good to the outbox's dead letters, in one statement. */
  private async park(
    connection: SqlExecutor,
    row: OutboxRow,
    error: Error,
    errorClass: string,
  ): Promise<void> {
    const { rows } = await connection.query<{ id: string | number }>(
      `WITH moved AS (DELETE FROM messaging_outbox WHERE id = $1 RETURNING *)
       INSERT INTO messaging_outbox_dead_letters
         (outbox_id, topic, key, event_id, payload, headers, enqueued_at, error_class, error_message)
       SELECT id, topic, key, event_id, payload, headers, created_at, $2, $3 FROM moved RETURNING id`,
      [String(row.id), errorClass, error.message.slice(0, 1_000)],
    );
    const parked = rows[0];
    if (!parked) return; // deleted meanwhile: another relay published it after all
    this.options.metrics?.outboxDeadLettered?.(row.topic, errorClass);
    this.options.onDeadLetter?.(
      {
        id: String(parked.id),
        topic: row.topic,
        key: row.key,
        eventId: row.event_id,
        bytes: row.payload.length,
        errorClass,
      },
      error,
    );
  }

  /** Sends rows to Kafka in their order; resolves once all are acknowledged. */
  private async send(rows: readonly OutboxRow[]): Promise<void> {
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
   * the span is left open for `send` to end when Kafka has answered.
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

import {
  type AnyTopicSpec,
  deadLetterTopicOf,
  isTopicName,
  TOPICS,
  type TopicName,
} from '@switchboard/contracts';
import type { SqlDatabase } from '@switchboard/database';
import {
  AvroSerde,
  type DeadLetter,
  EventPublisher,
  listDeadLetters,
  markReplayed,
  replayGroupOf,
  sendBack,
} from '@switchboard/messaging';
import type { Bus } from '../kafka.ts';

/** One topic and consumer pair that may park events, with how many it holds. */
export interface DeadLetterQueue {
  readonly topic: TopicName;
  readonly consumer: string;
  /** Records on the dead-letter topic now. */
  readonly total: number;
  /** Of those, the ones not replayed yet. */
  readonly waiting: number;
}

/** A parked record as the console shows it. */
export interface ParkedRecord {
  readonly letter: DeadLetter;
  /** The event decoded with its topic's schema, or why it could not be. */
  readonly event:
    { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };
  readonly replayed: boolean;
  /** Who replayed it from the console, and when. */
  readonly replay: Replay | undefined;
}

export interface Replay {
  readonly partition: number;
  readonly offset: string;
  readonly topic: string;
  readonly consumer: string;
  readonly key: string;
  readonly mode: 'one' | 'all';
  readonly by: string;
  readonly byName: string;
  readonly at: Date;
}

/** Who asks for a replay. */
export interface Operator {
  readonly subject: string;
  readonly name: string;
}

export class NoSuchQueueError extends Error {}
export class AlreadyReplayedError extends Error {}

/** A row of the replay audit. */
interface ReplayRow {
  readonly dead_letter_topic: string;
  readonly partition: number;
  readonly record_offset: string;
  readonly event_topic: string;
  readonly consumer: string;
  readonly record_key: string;
  readonly mode: 'one' | 'all';
  readonly replayed_by: string;
  readonly replayed_by_name: string;
  readonly replayed_at: Date | string;
}

const replayOf = (r: ReplayRow): Replay & { deadLetterTopic: string } => ({
  deadLetterTopic: r.dead_letter_topic,
  partition: r.partition,
  offset: String(r.record_offset),
  topic: r.event_topic,
  consumer: r.consumer,
  key: r.record_key,
  mode: r.mode,
  by: r.replayed_by,
  byName: r.replayed_by_name,
  at: new Date(r.replayed_at),
});

/** Every topic and consumer pair of the catalog: each consumer parks what it cannot handle. */
export function queues(
  catalog: Readonly<Record<string, AnyTopicSpec>> = TOPICS,
): { topic: TopicName; consumer: string }[] {
  return (Object.entries(catalog) as [TopicName, AnyTopicSpec][]).flatMap(([topic, spec]) =>
    spec.consumers.map((consumer) => ({ topic, consumer })),
  );
}

/**
 * The dead letters of every consumer: counted from the topics' offsets, read and decoded for one
 * pair, and replayed — one record or all waiting — with a row of the audit for each record sent
 * back, written in the transaction that claims it, so no record is sent back twice by the console.
 */
export class DeadLetters {
  private readonly serde: AvroSerde;
  private publisher: Promise<EventPublisher> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly db: SqlDatabase,
  ) {
    this.serde = new AvroSerde(bus.registry, bus.names);
  }

  private pair(topic: string, consumer: string): { topic: TopicName; consumer: string } {
    const found = queues().find((q) => q.topic === topic && q.consumer === consumer);
    if (!isTopicName(topic) || !found) throw new NoSuchQueueError(`${consumer} does not consume ${topic}`);
    return found;
  }

  /** How many records each pair holds and how many wait for a replay. */
  async overview(): Promise<DeadLetterQueue[]> {
    const counted = await this.bus.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      return Promise.all(
        queues().map(async ({ topic, consumer }) => {
          const dlq = this.bus.names.deadLetter(topic, consumer);
          if (!existing.has(dlq)) return { topic, consumer, dlq, total: 0, waiting: 0, marks: [] };
          const ends = await admin.fetchTopicOffsets(dlq);
          const groupId = this.bus.names.group(replayGroupOf(consumer));
          const committed = new Map(
            (await admin.fetchOffsets({ groupId, topics: [dlq] }))
              .flatMap((t) => t.partitions)
              .map((p) => [p.partition, Number(p.offset)]),
          );
          let total = 0;
          let waiting = 0;
          const marks = ends.map((end) => {
            total += Number(end.high) - Number(end.low);
            const mark = Math.max(Number(end.low), committed.get(end.partition) ?? 0);
            waiting += Math.max(0, Number(end.high) - mark);
            return { partition: end.partition, mark };
          });
          return { topic, consumer, dlq, total, waiting, marks };
        }),
      );
    });
    // Records replayed one by one above the replay group's mark wait no more.
    return Promise.all(
      counted.map(async ({ topic, consumer, dlq, total, waiting, marks }) => ({
        topic,
        consumer,
        total,
        waiting: waiting === 0 ? 0 : Math.max(0, waiting - (await this.replayedAbove(dlq, marks))),
      })),
    );
  }

  /** How many records of a dead-letter topic the console replayed at or above each partition's mark. */
  private async replayedAbove(
    dlq: string,
    marks: readonly { partition: number; mark: number }[],
  ): Promise<number> {
    const { rows } = await this.db.query<{ count: string | number }>(
      `SELECT count(*) AS count FROM dead_letter_replays r
       JOIN unnest($2::int[], $3::bigint[]) AS m(partition, mark) ON r.partition = m.partition
       WHERE r.dead_letter_topic = $1 AND r.record_offset >= m.mark`,
      [dlq, marks.map((m) => m.partition), marks.map((m) => m.mark)],
    );
    return Number(rows[0]?.count ?? 0);
  }

  private async audit(dlq: string): Promise<Map<string, Replay>> {
    const rows = await this.db.query<ReplayRow>(
      'SELECT * FROM dead_letter_replays WHERE dead_letter_topic = $1',
      [dlq],
    );
    return new Map(rows.rows.map((r) => [`${r.partition}/${r.record_offset}`, replayOf(r)]));
  }

  /** The records one consumer parked for one topic, oldest first, decoded. */
  async list(topic: string, consumer: string): Promise<ParkedRecord[]> {
    const pair = this.pair(topic, consumer);
    const dlq = this.bus.names.deadLetter(pair.topic, pair.consumer);
    const [letters, audit] = await Promise.all([
      listDeadLetters(this.bus.kafka, this.bus.names, pair.topic, pair.consumer),
      this.audit(dlq),
    ]);
    return Promise.all(
      letters.map(async (letter) => {
        const replay = audit.get(`${letter.partition}/${letter.offset}`);
        let event: ParkedRecord['event'];
        try {
          event = { ok: true, value: await this.serde.decode(pair.topic, letter.value, 5_000) };
        } catch (error) {
          event = { ok: false, reason: (error as Error).message };
        }
        return { letter, event, replayed: letter.replayed || replay !== undefined, replay };
      }),
    );
  }

  private async sender(): Promise<EventPublisher> {
    this.publisher ??= (async () => {
      const publisher = new EventPublisher(this.bus.kafka, this.serde, undefined, this.bus.names);
      await publisher.start([]);
      return publisher;
    })().catch((error: unknown) => {
      this.publisher = undefined;
      throw error;
    });
    return this.publisher;
  }

  /**
   * Sends back one parked record (`at`: its partition and offset) or every one waiting, as
   * `operator`. Each record gets its audit row in the transaction that sends it: should the send
   * fail, nothing is recorded; a record already replayed is refused (one) or left out (all).
   */
  async replay(
    topic: string,
    consumer: string,
    operator: Operator,
    at?: { partition: number; offset: string },
  ): Promise<Replay[]> {
    const pair = this.pair(topic, consumer);
    const records = await this.list(pair.topic, pair.consumer);
    const waiting = records.filter((r) => !r.replayed);
    const chosen = at
      ? records.filter((r) => r.letter.partition === at.partition && r.letter.offset === at.offset)
      : waiting;
    if (at && chosen.length === 0)
      throw new NoSuchQueueError(`no dead letter at partition ${at.partition}, offset ${at.offset}`);
    if (at && chosen.some((r) => r.replayed))
      throw new AlreadyReplayedError('this dead letter was replayed already');
    if (chosen.length === 0) return [];
    const dlq = deadLetterTopicOf(pair.topic, pair.consumer);
    const physicalDlq = this.bus.names.physical(dlq);
    const mode = at ? 'one' : 'all';
    const publisher = await this.sender();
    const replays = await this.db.transaction(async (tx) => {
      const claimed: Replay[] = [];
      for (const { letter } of chosen) {
        const inserted = await tx.query<{ replayed_at: Date | string }>(
          `INSERT INTO dead_letter_replays
             (dead_letter_topic, partition, record_offset, event_topic, consumer, record_key, mode, replayed_by, replayed_by_name)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (dead_letter_topic, partition, record_offset) DO NOTHING
           RETURNING replayed_at`,
          [
            physicalDlq,
            letter.partition,
            letter.offset,
            pair.topic,
            pair.consumer,
            letter.key,
            mode,
            operator.subject,
            operator.name,
          ],
        );
        const row = inserted.rows[0];
        if (!row) continue;
        claimed.push({
          partition: letter.partition,
          offset: letter.offset,
          topic: pair.topic,
          consumer: pair.consumer,
          key: letter.key,
          mode,
          by: operator.subject,
          byName: operator.name,
          at: new Date(row.replayed_at),
        });
      }
      if (at && claimed.length === 0) throw new AlreadyReplayedError('this dead letter was replayed already');
      const sent = new Set(claimed.map((c) => `${c.partition}/${c.offset}`));
      const letters = chosen.map((r) => r.letter).filter((l) => sent.has(`${l.partition}/${l.offset}`));
      await sendBack(publisher, this.bus.names, pair.topic, pair.consumer, letters);
      return claimed;
    });
    // Replaying all moves the replay group past them, as `./switchboard dlq replay` does.
    if (!at)
      await markReplayed(
        this.bus.kafka,
        this.bus.names,
        pair.topic,
        pair.consumer,
        waiting.map((r) => r.letter),
      );
    return replays;
  }

  /** The latest replays, newest first. */
  async recent(limit = 50): Promise<(Replay & { deadLetterTopic: string })[]> {
    const rows = await this.db.query<ReplayRow>(
      'SELECT * FROM dead_letter_replays ORDER BY replayed_at DESC, id DESC LIMIT $1',
      [limit],
    );
    return rows.rows.map(replayOf);
  }

  async close(): Promise<void> {
    const publisher = this.publisher;
    this.publisher = undefined;
    await (await publisher?.catch(() => undefined))?.stop().catch(() => undefined);
  }
}

import { type Retention, TOPICS, type TopicName } from '@switchboard/contracts';
import { ExclusiveLoop, type SqlDatabase } from '@switchboard/database';

/** Kafka's default `segment.ms`: a record may outlive its topic's retention by up to this long. */
const SEGMENT_ROLL_DAYS = 7;
/** Margin on top, for the broker's retention checks and clocks that disagree. */
const GRACE_DAYS = 1;
/** Advisory lock key of the pruner: one process per database prunes. */
const PRUNER_LOCK = 7_243_005;
/** Rows deleted per statement, so no statement holds locks for long. */
const BATCH = 5_000;

/**
 * How long the inbox keeps the id of an event of a topic with this retention: as long as Kafka can
 * still deliver the record — its retention, plus a segment's roll time, plus a day — so a
 * redelivery, however late, still finds the id. Undefined (kept) for compacted topics and topics
 * kept forever, whose records Kafka may deliver again at any time.
 */
export function inboxRetentionDays(retention: Retention): number | undefined {
  if (retention.kind === 'compact' || retention.days === 'forever') return undefined;
  return retention.days + SEGMENT_ROLL_DAYS + GRACE_DAYS;
}

/** Deletes a consumer's inbox ids of events older than their topics' inbox retention. */
export async function pruneInbox(
  db: SqlDatabase,
  consumer: string,
  topics: readonly TopicName[],
): Promise<number> {
  let pruned = 0;
  for (const topic of topics) {
    const days = inboxRetentionDays(TOPICS[topic].retention);
    if (days === undefined) continue;
    for (;;) {
      const { rows } = await db.query(
        `DELETE FROM messaging_inbox WHERE ctid IN (
           SELECT ctid FROM messaging_inbox
           WHERE consumer = $1 AND topic = $2 AND handled_at < now() - make_interval(days => $3)
           LIMIT $4)
         RETURNING 1`,
        [consumer, topic, days, BATCH],
      );
      pruned += rows.length;
      if (rows.length < BATCH) break;
    }
  }
  return pruned;
}

/**
 * Prunes the inbox of a consumer every `everyMs` (default an hour), in one process per database,
 * so it stays as large as the topics' retention needs and no larger.
 */
export class InboxPruner {
  private readonly loop: ExclusiveLoop;

  constructor(
    private readonly db: SqlDatabase,
    private readonly consumer: string,
    private readonly topics: readonly TopicName[],
    private readonly options: {
      readonly everyMs?: number;
      readonly onPruned?: (count: number) => void;
      readonly onError: (error: unknown) => void;
    },
  ) {
    this.loop = new ExclusiveLoop(db, { lockKey: PRUNER_LOCK, onError: options.onError });
  }

  start(): void {
    this.loop.start(async () => {
      try {
        const count = await pruneInbox(this.db, this.consumer, this.topics);
        if (count > 0) this.options.onPruned?.(count);
      } catch (error) {
        this.options.onError(error);
      }
      await this.loop.sleeper.sleep(this.options.everyMs ?? 3_600_000);
    });
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}

import { type Retention, TOPICS, type TopicName } from '@switchboard/contracts';
import type { RetentionRule } from '@switchboard/database';

/** Kafka's default `segment.ms`: a record may outlive its topic's retention by up to this long. */
const SEGMENT_ROLL_DAYS = 7;
/** Margin on top, for the broker's retention checks and clocks that disagree. */
const GRACE_DAYS = 1;

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

/**
 * The inbox's retention rule for a consumer of these topics: the ids of events older than their
 * topic's inbox retention (`inboxRetentionDays`) go; those of compacted and forever-kept topics stay.
 */
export function inboxRetention(consumer: string, topics: readonly TopicName[]): RetentionRule {
  const pruned = topics.flatMap((topic) => {
    const days = inboxRetentionDays(TOPICS[topic].retention);
    return days === undefined ? [] : [{ topic, days }];
  });
  return {
    name: 'inbox',
    async pruneBatch(db, limit) {
      if (pruned.length === 0) return 0;
      const { rows } = await db.query(
        `DELETE FROM messaging_inbox WHERE ctid IN (
           SELECT i.ctid FROM messaging_inbox i
           JOIN unnest($2::text[], $3::int[]) AS r(topic, days) ON i.topic = r.topic
           WHERE i.consumer = $1 AND i.handled_at < now() - make_interval(days => r.days)
           LIMIT $4)
         RETURNING 1`,
        [consumer, pruned.map((p) => p.topic), pruned.map((p) => p.days), limit],
      );
      return rows.length;
    },
  };
}

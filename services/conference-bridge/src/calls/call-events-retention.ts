import type { RetentionRule } from '@switchboard/database';

/**
 * The retention rule of the reported call activity: `days` after a call completed (billed), its
 * events go; the call stays, so a late report of it is still refused as completed. Open and
 * abandoned calls keep theirs: they are still being assembled, or reviewed.
 */
export function callEventsRetention(days: number): RetentionRule {
  return {
    name: 'call-events',
    async pruneBatch(db, limit) {
      const { rows } = await db.query(
        `WITH due AS (
           SELECT call_id FROM calls
           WHERE status = 'COMPLETED' AND events_pruned_at IS NULL
             AND completed_at < now() - make_interval(days => $1)
           ORDER BY completed_at LIMIT $2 FOR UPDATE SKIP LOCKED),
         gone AS (DELETE FROM call_events WHERE call_id IN (SELECT call_id FROM due))
         UPDATE calls SET events_pruned_at = now() WHERE call_id IN (SELECT call_id FROM due)
         RETURNING 1`,
        [days, limit],
      );
      return rows.length;
    },
  };
}

import type { RetentionRule } from '@switchboard/database';

/**
 * The retention rules of what mailing wrote to whom, `days` after it was sent (or failed for
 * good): an email keeps its row — its dedupe key still stops a second email for the same
 * booking, invoice or notice, and when it was sent stays known — but loses its address, its body
 * and any PDF kept in it; a campaign completed that long ago loses its recipients' copies of their
 * contact data.
 */
export function sentMailRetention(days: number): RetentionRule[] {
  return [
    {
      name: 'sent-mail',
      async pruneBatch(db, limit) {
        const { rows } = await db.query(
          `UPDATE outgoing_mail SET to_address = NULL, body = NULL, attachment = NULL, content_pruned_at = now()
           WHERE id IN (
             SELECT id FROM outgoing_mail
             WHERE status IN ('SENT', 'FAILED') AND content_pruned_at IS NULL
               -- created_at first, for the index: an email is sent after it was queued.
               AND created_at < now() - make_interval(days => $1)
               AND COALESCE(sent_at, created_at) < now() - make_interval(days => $1)
             LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING 1`,
          [days, limit],
        );
        return rows.length;
      },
    },
    {
      name: 'campaign-contacts',
      async pruneBatch(db, limit) {
        const { rows } = await db.query(
          `UPDATE campaign_recipients SET contact = NULL
           WHERE (campaign_id, customer_id) IN (
             SELECT r.campaign_id, r.customer_id FROM campaign_recipients r
             JOIN campaigns c ON c.id = r.campaign_id
             WHERE c.status = 'COMPLETED' AND c.completed_at < now() - make_interval(days => $1)
               AND r.contact IS NOT NULL
             LIMIT $2 FOR UPDATE OF r SKIP LOCKED)
           RETURNING 1`,
          [days, limit],
        );
        return rows.length;
      },
    },
  ];
}

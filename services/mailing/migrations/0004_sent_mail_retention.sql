-- What was written to whom is kept SENT_MAIL_RETENTION_DAYS, then pruned: a sent or failed
-- email keeps its row (its dedupe key still stops a second email, and what was sent when stays
-- known) but loses its address, body and attached PDF; a completed campaign's recipients lose the
-- copy of their contact data their letters were written from.
ALTER TABLE outgoing_mail ALTER COLUMN body DROP NOT NULL;
ALTER TABLE outgoing_mail ADD COLUMN content_pruned_at timestamptz;
CREATE INDEX outgoing_mail_to_prune ON outgoing_mail (created_at)
  WHERE status IN ('SENT', 'FAILED') AND content_pruned_at IS NULL;
ALTER TABLE campaign_recipients ALTER COLUMN contact DROP NOT NULL;
CREATE INDEX campaigns_completed ON campaigns (completed_at) WHERE status = 'COMPLETED';

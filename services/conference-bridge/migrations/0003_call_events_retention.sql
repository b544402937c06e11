-- The activity reported of a completed call is kept CALL_EVENTS_RETENTION_DAYS after it completed
-- (for questions about its charge), then pruned; the call itself stays, so later reports of it are
-- still refused as completed. `events_pruned_at` marks the calls already pruned.
ALTER TABLE calls ADD COLUMN events_pruned_at timestamptz;
CREATE INDEX calls_events_to_prune ON calls (completed_at) WHERE status = 'COMPLETED' AND events_pruned_at IS NULL;

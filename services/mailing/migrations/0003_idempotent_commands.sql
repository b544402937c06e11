-- Idempotency-Keys now live in idempotent_commands, the table of @switchboard/http that every
-- service creates at start, before its migrations. Keys taken before keep answering their campaign.
INSERT INTO idempotent_commands (command, key, request_hash, resource_id, created_at)
SELECT 'mailing.create-campaign', key, request_hash, campaign_id::text, created_at FROM idempotency_keys
ON CONFLICT DO NOTHING;
DROP TABLE idempotency_keys;

-- Idempotency-Keys now live in idempotent_commands, the table of @switchboard/http that every
-- service creates at start, before its migrations. Keys taken before keep answering their order.
INSERT INTO idempotent_commands (command, key, request_hash, resource_id, created_at)
SELECT 'orders.place-order', key, request_hash, order_id::text, created_at FROM idempotency_keys
ON CONFLICT DO NOTHING;
DROP TABLE idempotency_keys;

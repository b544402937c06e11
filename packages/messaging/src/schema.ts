import type { SqlExecutor } from '@switchboard/database';

/** Tables of the outbox and the inbox; idempotent, safe to run at every start. */
export const MESSAGING_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS messaging_outbox (
  id         bigserial   PRIMARY KEY,
  topic      text        NOT NULL,
  key        text        NOT NULL,
  event_id   uuid        NOT NULL,
  payload    bytea       NOT NULL,
  headers    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Outbox rows the broker refused for good (too large, invalid), moved here by the relay so that
-- the rows behind them go on; replay puts them back into the outbox.
CREATE TABLE IF NOT EXISTS messaging_outbox_dead_letters (
  id            bigserial   PRIMARY KEY,
  outbox_id     bigint      NOT NULL,
  topic         text        NOT NULL,
  key           text        NOT NULL,
  event_id      uuid        NOT NULL,
  payload       bytea       NOT NULL,
  headers       jsonb       NOT NULL,
  enqueued_at   timestamptz NOT NULL,
  error_class   text        NOT NULL,
  error_message text        NOT NULL,
  failed_at     timestamptz NOT NULL DEFAULT now(),
  replayed_at   timestamptz
);
CREATE TABLE IF NOT EXISTS messaging_inbox (
  consumer   text        NOT NULL,
  event_id   uuid        NOT NULL,
  topic      text        NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
-- The inbox pruner's way to a topic's oldest ids.
CREATE INDEX IF NOT EXISTS messaging_inbox_handled ON messaging_inbox (consumer, topic, handled_at);
`;

/** Creates the outbox and inbox tables if they are missing. */
export async function migrateMessagingTables(db: SqlExecutor): Promise<void> {
  await db.script(MESSAGING_TABLES_SQL);
}

-- Every dead letter the console sent back to its topic: who did it, when, and which record it was.
-- One row per parked record: a record is replayed once however often it is asked for.
CREATE TABLE dead_letter_replays (
  id            bigserial   PRIMARY KEY,
  dead_letter_topic text    NOT NULL,
  partition     integer     NOT NULL,
  record_offset bigint      NOT NULL,
  event_topic   text        NOT NULL,
  consumer      text        NOT NULL,
  record_key    text        NOT NULL,
  mode          text        NOT NULL CHECK (mode IN ('one', 'all')),
  replayed_by   text        NOT NULL,
  replayed_by_name text     NOT NULL,
  replayed_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dead_letter_topic, partition, record_offset)
);
CREATE INDEX dead_letter_replays_recent ON dead_letter_replays (replayed_at DESC);

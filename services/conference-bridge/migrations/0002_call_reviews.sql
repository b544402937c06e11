-- A call reported no more for OPEN_CALL_TIMEOUT_MINUTES and still without an end after its start
-- is closed by the sweeper at its last reported activity (billed for what was reported), or
-- ABANDONED when its start never came; each is listed for review at GET /v1/calls/reviews. An
-- abandoned call opens again when more of its activity is reported.
ALTER TABLE calls DROP CONSTRAINT calls_status_check;
ALTER TABLE calls ADD CONSTRAINT calls_status_check CHECK (status IN ('OPEN', 'COMPLETED', 'ABANDONED'));
ALTER TABLE calls ADD COLUMN last_reported_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX calls_open ON calls (last_reported_at) WHERE status = 'OPEN';

CREATE TABLE call_reviews (
  call_id    text        PRIMARY KEY REFERENCES calls (call_id),
  -- The review list's order and cursor.
  seq        bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  outcome    text        NOT NULL CHECK (outcome IN ('CLOSED', 'ABANDONED')),
  reason     text        NOT NULL,
  started_at timestamptz,
  ended_at   timestamptz,
  closed_at  timestamptz NOT NULL DEFAULT now()
);

-- Capacity reserved on the bridges for booked conferences.
CREATE TABLE reservations (
  id             uuid        PRIMARY KEY,
  seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  order_id       uuid        NOT NULL UNIQUE,
  customer_id    uuid        NOT NULL,
  bridge_id      text        NOT NULL,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  ports          integer     NOT NULL,
  access_code    text        NOT NULL,
  -- The booking's business flow (the order's correlation id), passed on to its calls' events.
  correlation_id uuid        NOT NULL,
  status         text        NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  released_at    timestamptz
);
-- An access code leads to one conference at a time.
CREATE UNIQUE INDEX reservations_active_access_code ON reservations (access_code) WHERE status = 'ACTIVE';
CREATE INDEX reservations_slot ON reservations (bridge_id, starts_at, ends_at) WHERE status = 'ACTIVE';

-- Orders cancelled before their placement reached the bridge (the topics are read independently).
CREATE TABLE cancelled_orders (
  order_id     uuid        PRIMARY KEY,
  cancelled_at timestamptz NOT NULL DEFAULT now()
);

-- Call activity as the bridge reports it; a call completes once, when its start and end are known.
CREATE TABLE calls (
  call_id        text        PRIMARY KEY,
  status         text        NOT NULL CHECK (status IN ('OPEN', 'COMPLETED')),
  reservation_id uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz
);
CREATE TABLE call_events (
  call_id  text        NOT NULL REFERENCES calls (call_id),
  event_id text        NOT NULL,
  at       timestamptz NOT NULL,
  body     jsonb       NOT NULL,
  PRIMARY KEY (call_id, event_id)
);

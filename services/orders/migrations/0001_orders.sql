-- The customers orders may book for, from crm's events (ids only: orders needs no personal data).
CREATE TABLE known_customers (
  customer_id uuid        PRIMARY KEY,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  id                    uuid        PRIMARY KEY,
  -- Placement order: the stable sort key of the order list's cursor.
  seq                   bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  customer_id           uuid        NOT NULL,
  title                 text        NOT NULL,
  starts_at             timestamptz NOT NULL,
  duration_minutes      integer     NOT NULL,
  expected_participants integer     NOT NULL,
  recording             boolean     NOT NULL,
  toll_free             boolean     NOT NULL,
  status                text        NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
  reservation_id        uuid,
  dial_in_number        text,
  access_code           text,
  rejection_reason      text,
  rejection_detail      text,
  cancellation_reason   text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON orders (customer_id, seq);
CREATE INDEX orders_status ON orders (status, seq);

-- A retried POST /v1/orders with the same Idempotency-Key answers the order it created first.
CREATE TABLE idempotency_keys (
  key          text        PRIMARY KEY,
  request_hash text        NOT NULL,
  order_id     uuid        NOT NULL REFERENCES orders (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);

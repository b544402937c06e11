-- Billing's view of crm's customers: the name and address an invoice is addressed to.
CREATE TABLE customers (
  customer_id uuid        PRIMARY KEY,
  name        text        NOT NULL,
  street      text        NOT NULL,
  postal_code text        NOT NULL,
  city        text        NOT NULL,
  region      text,
  country     char(2)     NOT NULL,
  -- occurredAt of the crm event this row reflects: an older event arriving later changes nothing.
  as_of       timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every version of every customer's contract rates, from crm.contract-rates-changed. A call is
-- rated with the version in effect when it started. Amounts in minor units of the currency.
CREATE TABLE contract_rates (
  customer_id                    uuid        NOT NULL,
  version                        integer     NOT NULL,
  contract_id                    uuid        NOT NULL,
  currency                       char(3)     NOT NULL,
  per_participant_minute         bigint      NOT NULL,
  toll_free_surcharge_per_minute bigint      NOT NULL,
  recording_per_minute           bigint      NOT NULL,
  minimum_charge_per_call        bigint      NOT NULL,
  effective_from                 timestamptz NOT NULL,
  -- When billing learned of this version.
  received_at                    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, version)
);

-- Completed calls from conference.call-completed. UNRATED until the customer's rates are known.
CREATE TABLE calls (
  call_id           uuid        PRIMARY KEY,
  -- Arrival order: the sort key of the unrated list's cursor.
  seq               bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  customer_id       uuid        NOT NULL,
  order_id          uuid,
  started_at        timestamptz NOT NULL,
  ended_at          timestamptz NOT NULL,
  participants      jsonb       NOT NULL,
  recording_seconds bigint      NOT NULL,
  status            text        NOT NULL CHECK (status IN ('UNRATED', 'RATED')),
  -- The call event's meta (flow and cause of the charge) and trace context (W3C headers), so a
  -- call rated later, when its rates arrive, is still charged within the call's trace.
  event_meta        jsonb       NOT NULL,
  trace_context     jsonb       NOT NULL,
  received_at       timestamptz NOT NULL DEFAULT now(),
  rated_at          timestamptz
);
CREATE INDEX calls_unrated ON calls (customer_id, started_at) WHERE status = 'UNRATED';
CREATE INDEX calls_unrated_seq ON calls (seq) WHERE status = 'UNRATED';

-- A customer's invoice for a calendar month (UTC). At most one OPEN invoice per customer, period
-- and currency collects the charges; closing the period issues it with a number and a PDF.
CREATE TABLE invoices (
  id            uuid        PRIMARY KEY,
  seq           bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  customer_id   uuid        NOT NULL,
  period        char(7)     NOT NULL,
  currency      char(3)     NOT NULL,
  status        text        NOT NULL CHECK (status IN ('OPEN', 'ISSUED')),
  total_minor   bigint      NOT NULL DEFAULT 0,
  call_count    integer     NOT NULL DEFAULT 0,
  number        text        UNIQUE,
  issued_at     timestamptz,
  due_date      date,
  pdf           bytea,
  -- Trace context of the call that opened it: the invoice is issued within that call's trace.
  trace_context jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX invoices_open ON invoices (customer_id, period, currency) WHERE status = 'OPEN';
CREATE INDEX invoices_customer ON invoices (customer_id, seq);
CREATE INDEX invoices_period ON invoices (period, status, seq);

-- One charge per call (the unique call_id makes a redelivered or republished call charge nothing).
CREATE TABLE charges (
  id            uuid        PRIMARY KEY,
  call_id       uuid        NOT NULL UNIQUE REFERENCES calls (call_id),
  invoice_id    uuid        NOT NULL REFERENCES invoices (id),
  customer_id   uuid        NOT NULL,
  period        char(7)     NOT NULL,
  rates_version integer     NOT NULL,
  currency      char(3)     NOT NULL,
  lines         jsonb       NOT NULL,
  total_minor   bigint      NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX charges_invoice ON charges (invoice_id);
CREATE INDEX charges_period ON charges (customer_id, period);

-- Gap-free invoice numbers: the counter moves in the transaction that issues the invoice, so a
-- rolled-back issue does not use up a number.
CREATE TABLE invoice_counters (
  prefix text    NOT NULL,
  year   integer NOT NULL,
  last   integer NOT NULL,
  PRIMARY KEY (prefix, year)
);

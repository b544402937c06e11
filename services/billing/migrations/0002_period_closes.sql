-- A request to close a period, or one customer's invoices of it. It covers the invoices open when it
-- was made (seq up to last_invoice_seq); one billing process per database issues them, one
-- transaction each, and a close cut short by a crash or a restart goes on when billing runs again.
CREATE TABLE period_closes (
  id               uuid        PRIMARY KEY,
  seq              bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  period           char(7)     NOT NULL,
  -- Null: every customer's invoices of the period.
  customer_id      uuid,
  last_invoice_seq bigint      NOT NULL,
  status           text        NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED')),
  invoices_issued  integer     NOT NULL DEFAULT 0,
  -- W3C trace context of the request: each invoice's span links to it.
  trace_context    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  requested_at     timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz
);
CREATE INDEX period_closes_running ON period_closes (seq) WHERE status = 'RUNNING';

-- The close that issued an invoice, and the SHA-256 of its PDF (what billing.invoice-issued says).
ALTER TABLE invoices ADD COLUMN close_id uuid REFERENCES period_closes (id);
ALTER TABLE invoices ADD COLUMN pdf_sha256 char(64);
UPDATE invoices SET pdf_sha256 = encode(sha256(pdf), 'hex') WHERE pdf IS NOT NULL;
CREATE INDEX invoices_close ON invoices (close_id, seq) WHERE close_id IS NOT NULL;

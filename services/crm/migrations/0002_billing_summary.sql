-- Each customer's billing figures as billing's events report them: a read model of billing's data,
-- merged so that it never goes backwards whatever order the events arrive in. No foreign key to
-- customers: the view stands on its own and takes whatever billing reports. Amounts are in minor
-- units of the currency. Invoice PDFs are personal data that crm has no use for: never stored.
CREATE TABLE billing_summaries (
  customer_id            uuid        PRIMARY KEY,
  -- The newest period with charges, and billing's running totals for it (cumulative).
  period                 text,
  charges_to_date_minor  bigint,
  charges_currency       text,
  call_count             integer,
  -- The invoice issued last (by issuedAt).
  last_invoice_id        uuid,
  last_invoice_number    text,
  last_invoice_period    text,
  last_invoice_total     bigint,
  last_invoice_currency  text,
  last_invoice_issued_at timestamptz,
  -- As billing sent it (YYYY-MM-DD): crm only shows it.
  last_invoice_due_date  text,
  -- meta.occurredAt of the newest billing event taken in: how fresh the summary is.
  updated_at             timestamptz NOT NULL,
  CHECK (num_nulls(period, charges_to_date_minor, charges_currency, call_count) IN (0, 4)),
  CHECK (num_nulls(last_invoice_id, last_invoice_number, last_invoice_period, last_invoice_total,
    last_invoice_currency, last_invoice_issued_at, last_invoice_due_date) IN (0, 7))
);

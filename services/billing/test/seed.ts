import type { SqlExecutor } from '@switchboard/database';
import { periodBounds } from '../src/invoices/periods.ts';

/**
 * The charge of the suites' standard call at rates 12/5/2 per minute: (11 + 4) participant-minutes
 * × 12 = 180, 4 toll-free minutes × 5 = 20, 3 recording minutes × 2 = 6 → 206 cents.
 */
const LINES = [
  { kind: 'PARTICIPANT_MINUTES', quantity: 15, unitPrice: 12, amount: 180 },
  { kind: 'TOLL_FREE_SURCHARGE', quantity: 4, unitPrice: 5, amount: 20 },
  { kind: 'RECORDING', quantity: 3, unitPrice: 2, amount: 6 },
].map((l) => ({
  kind: l.kind,
  quantity: l.quantity,
  unitPrice: { amountMinor: l.unitPrice, currency: 'EUR' },
  amount: { amountMinor: l.amount, currency: 'EUR' },
}));
export const SEEDED_CALL_MINOR = 206;

/**
 * Writes `callsPerCustomer` rated and charged calls of `period` for each customer, on one open
 * invoice each, straight into billing's tables — the rows rating those calls one by one would
 * leave, in a few set-based statements, so that a suite can test a month-end close of a real
 * company's size without rating 100,000 calls first. Customers billing does not know yet get a
 * name and address. Answers the open invoices' ids.
 */
export async function seedChargedCalls(
  db: SqlExecutor,
  options: {
    readonly customerIds: readonly string[];
    readonly callsPerCustomer: number;
    readonly period: string;
  },
): Promise<string[]> {
  const { customerIds, callsPerCustomer, period } = options;
  const start = new Date(periodBounds(period).start);
  await db.query(
    `INSERT INTO customers (customer_id, name, street, postal_code, city, region, country, as_of)
     SELECT c, 'Muster GmbH', 'Hauptstr. 1', '10115', 'Berlin', NULL, 'DE', now() FROM unnest($1::uuid[]) c
     ON CONFLICT (customer_id) DO NOTHING`,
    [customerIds],
  );
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO invoices (id, customer_id, period, currency, status, total_minor, call_count, trace_context)
     SELECT gen_random_uuid(), c, $2, 'EUR', 'OPEN', $3::bigint * $4, $3, '{}'::jsonb FROM unnest($1::uuid[]) c
     RETURNING id`,
    [customerIds, period, callsPerCustomer, SEEDED_CALL_MINOR],
  );
  await db.query(
    `WITH made AS (
       INSERT INTO calls (call_id, customer_id, started_at, ended_at, participants, recording_seconds, status,
                          event_meta, trace_context, rated_at)
       SELECT gen_random_uuid(), i.customer_id, $2::timestamptz + n * interval '1 minute',
              $2::timestamptz + n * interval '1 minute' + interval '20 minutes', '[]'::jsonb, 125, 'RATED',
              '{}'::jsonb, '{}'::jsonb, now()
       FROM invoices i, generate_series(1, $3) n WHERE i.id = ANY($1::uuid[])
       RETURNING call_id, customer_id
     )
     INSERT INTO charges (id, call_id, invoice_id, customer_id, period, rates_version, currency, lines, total_minor)
     SELECT gen_random_uuid(), m.call_id, i.id, m.customer_id, i.period, 1, 'EUR', $4::jsonb, $5
     FROM made m JOIN invoices i ON i.customer_id = m.customer_id AND i.id = ANY($1::uuid[])`,
    [rows.map((r) => r.id), start, callsPerCustomer, JSON.stringify(LINES), SEEDED_CALL_MINOR],
  );
  return rows.map((r) => r.id);
}

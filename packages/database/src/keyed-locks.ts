import type { SqlExecutor } from './sql.ts';

/**
 * Transaction-scoped advisory locks on keys of one class (a customer id under "the customer's
 * calls", say), released when the transaction ends. Locking several keys takes them in one fixed
 * order (of their hashes), so two transactions locking overlapping sets cannot deadlock.
 */
export async function lockKeys(tx: SqlExecutor, lockClass: number, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (keys.length === 1) {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [lockClass, keys[0]]);
    return;
  }
  await tx.query(
    `SELECT pg_advisory_xact_lock($1, h)
       FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY 1) AS hashes`,
    [lockClass, [...new Set(keys)]],
  );
}

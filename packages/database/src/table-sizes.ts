import type { SqlExecutor } from './sql.ts';

/** A table of the database and the bytes it takes on disk, indexes and TOAST included. */
export interface TableSize {
  readonly table: string;
  readonly bytes: number;
}

/** The size of every table of the current schema (the service's own, the bus's and the HTTP layer's). */
export async function tableSizes(db: SqlExecutor): Promise<TableSize[]> {
  const { rows } = await db.query<{ table: string; bytes: string | number }>(
    `SELECT c.relname AS table, pg_total_relation_size(c.oid) AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
     ORDER BY c.relname`,
  );
  return rows.map((row) => ({ table: row.table, bytes: Number(row.bytes) }));
}

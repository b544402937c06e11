import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Umzug } from 'umzug';
import type { SqlDatabase, SqlExecutor } from './sql.ts';

/** Advisory lock key held while migrating, so replicas starting together migrate one at a time. */
const MIGRATION_LOCK = 7_243_002;

/** A migration that failed; names the file and PostgreSQL's message. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * Applies the service's pending SQL migrations — the `*.sql` files of `folder`, in file-name order
 * (`0001_customers.sql`, `0002_…`) — after the idempotent `packageSchemas` of the packages the
 * service builds on (the bus's outbox and inbox tables, the Idempotency-Keys of its POSTs), which
 * run at every start, so a migration may move rows into them. Each file runs in one transaction
 * together with its record in `schema_migrations`, so a failed file leaves nothing behind and runs
 * again at the next start. Returns the names applied.
 */
export async function migrate(
  db: SqlDatabase,
  folder: string | URL,
  packageSchemas: readonly string[] = [],
): Promise<string[]> {
  const cwd = folder instanceof URL ? fileURLToPath(folder) : folder;
  return db.session(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      for (const schema of packageSchemas) await session.script(schema);
      await session.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name       text        PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const umzug = new Umzug<SqlExecutor>({
        migrations: {
          glob: ['*.sql', { cwd }],
          resolve: ({ name, path }) => ({
            name,
            up: async () => {
              if (path === undefined) throw new MigrationError(`migration ${name} has no file`);
              const sql = await readFile(path, 'utf8');
              await db
                .transaction(async (tx) => {
                  await tx.script(sql);
                  await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
                })
                .catch((error: unknown) => {
                  const message = error instanceof Error ? error.message : String(error);
                  throw new MigrationError(`migration ${name} failed: ${message}`, { cause: error });
                });
            },
          }),
        },
        context: session,
        storage: {
          executed: async () =>
            (
              await session.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')
            ).rows.map((r) => r.name),
          // Recorded by `up` itself, in the migration's own transaction.
          logMigration: async () => undefined,
          unlogMigration: async ({ name }) => {
            await session.query('DELETE FROM schema_migrations WHERE name = $1', [name]);
          },
        },
        logger: undefined,
      });
      const applied = await umzug.up();
      return applied.map((m) => m.name);
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}

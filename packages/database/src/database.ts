import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.ts';
import { pgliteDatabase, postgresDatabase, type SqlDatabase } from './sql.ts';
import { tracedDatabase } from './traced.ts';

export interface DatabaseOptions {
  /** A PostgreSQL connection URL (`DATABASE_URL`); when absent, PGlite under `dataDir`. */
  readonly url?: string | undefined;
  /** Folder of the PGlite database; created when missing. */
  readonly dataDir: string;
  /** Logical database name shown on spans (`db.namespace`). */
  readonly name: string;
  /** Connections of the PostgreSQL pool (default 10). */
  readonly poolSize?: number;
}

/** A service's open database: the executor its repositories, outbox and inbox use. */
export interface OpenDatabase {
  readonly db: SqlDatabase;
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * Opens the service's own database: PostgreSQL when a URL is given, PGlite (PostgreSQL compiled to
 * WebAssembly, in process) under the data folder otherwise, which it locks for this process
 * (`lockDataDir`: a second process on the folder fails with DataDirInUseError). Every query gets
 * a span.
 */
export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // A server that stopped answering (not refusing) fails a connect in bounded time.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return {
      db: tracedDatabase(postgresDatabase(pool), { name: options.name }),
      kind: 'postgres',
      close: () => pool.end(),
    };
  }
  await mkdir(options.dataDir, { recursive: true });
  const release = await lockDataDir(options.dataDir);
  let pglite: PGlite;
  try {
    // Loaded only here, so a service on PostgreSQL never holds PGlite's code.
    const { PGlite } = await import('@electric-sql/pglite');
    pglite = await PGlite.create(options.dataDir);
  } catch (error) {
    await release();
    throw error;
  }
  return {
    db: tracedDatabase(pgliteDatabase(pglite), { name: options.name }),
    kind: 'pglite',
    close: async () => {
      try {
        await pglite.close();
      } finally {
        await release();
      }
    },
  };
}

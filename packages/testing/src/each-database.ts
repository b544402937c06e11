import { PGlite } from '@electric-sql/pglite';
import { pgliteDatabase, postgresDatabase, type SqlDatabase } from '@switchboard/database';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { stackEndpoints } from './provided.ts';

/** The kinds of database a service runs on: PGlite in process (its default) and PostgreSQL. */
export type DatabaseKind = 'pglite' | 'postgres';

/** The database of one run of a suite. */
export interface EachDatabase {
  readonly kind: DatabaseKind;
  /**
   * A fresh PostgreSQL database's URL, to start a service on (its `DATABASE_URL`); undefined on
   * PGlite, where a service opens its own folder.
   */
  readonly url: string | undefined;
  /** Connects to it as a SqlDatabase: a new in-memory PGlite, or a pool on `url`. */
  open(): Promise<SqlDatabase>;
}

/**
 * Declares the suite twice, once per database kind (`title` takes the kind where it says `%s`):
 * on PostgreSQL a database of its own (named after `prefix`) is created before the suite's own
 * `beforeAll` and dropped after its `afterAll`, with whatever `open` connected closed first.
 */
export function describeOnEachDatabase(
  title: string,
  prefix: string,
  suite: (database: () => EachDatabase) => void,
): void {
  describe.each(['pglite', 'postgres'] as const)(title, (kind) => {
    let server: TestDatabase | undefined;
    const closes: (() => Promise<void>)[] = [];
    const database: EachDatabase = {
      kind,
      get url() {
        return server?.url;
      },
      async open() {
        if (kind === 'pglite') {
          const instance = new PGlite();
          closes.push(() => instance.close());
          return pgliteDatabase(instance);
        }
        if (!server) throw new Error('the PostgreSQL database is created in beforeAll');
        const pool = new pg.Pool({ connectionString: server.url, max: 6 });
        // `end()` resolves before its connections have closed, and the drop ends them: the error of
        // a connection that was closing anyway must not fail the run.
        pool.on('error', () => undefined);
        closes.push(() => pool.end());
        return postgresDatabase(pool);
      },
    };
    beforeAll(async () => {
      if (kind === 'postgres') server = await createTestDatabase(stackEndpoints().postgresUrl, prefix);
    });
    // Registered before the suite's own hooks, so it runs after them (Vitest stacks after-hooks).
    afterAll(async () => {
      for (const close of closes.splice(0)) await close();
      await server?.drop();
    });
    suite(() => database);
  });
}

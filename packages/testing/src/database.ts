import { randomBytes } from 'node:crypto';
import { ensureOwnedDatabase, roleUrl, withoutPassword, withPostgresClient } from '@switchboard/stack';

/** A database of a test's own, on a real PostgreSQL server. */
export interface TestDatabase {
  /** Its name (a plain lower-case identifier). */
  readonly name: string;
  /**
   * Its URL as the role that owns it and nothing else (no superuser), as a service connects in
   * production: the admin URL's server, with this database and that role.
   */
  readonly url: string;
  /** Drops it, closing any connection still open to it; harmless when it is gone already. */
  drop(): Promise<void>;
}

/** PostgreSQL truncates identifiers to 63 bytes; the suffix takes 13 of them. */
const MAX_PREFIX = 50;

/**
 * A fresh database name: the prefix reduced to lower-case letters, digits and underscores (so it
 * needs no quoting), then a random suffix so that parallel test files never share a database.
 */
export function testDatabaseName(prefix: string): string {
  let safe = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, MAX_PREFIX);
  if (!/^[a-z_]/.test(safe)) safe = `t_${safe}`.slice(0, MAX_PREFIX);
  return `${safe}_${randomBytes(6).toString('hex')}`;
}

async function onServer(adminUrl: string, sql: string, what: string): Promise<void> {
  try {
    await withPostgresClient(adminUrl, (client) => client.query(sql), 10_000);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${what} on ${withoutPassword(adminUrl)} failed: ${reason}`, { cause: error });
  }
}

/**
 * Creates a uniquely named database on the server behind `adminUrl` (whose user may create
 * databases and roles), for one test file or suite, owned by a login role of the same name that
 * may do nothing else; `drop()` removes both again, even with connections open.
 *
 * @example
 * const db = await createTestDatabase(stackEndpoints().postgresUrl, 'orders');
 * // ... connect to db.url ...
 * await db.drop();
 */
export async function createTestDatabase(adminUrl: string, prefix: string): Promise<TestDatabase> {
  const name = testDatabaseName(prefix);
  const password = randomBytes(18).toString('base64url');
  try {
    await ensureOwnedDatabase(adminUrl, { database: name, role: name, password });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`creating database ${name} on ${withoutPassword(adminUrl)} failed: ${reason}`, {
      cause: error,
    });
  }
  return {
    name,
    url: roleUrl(adminUrl, name, name, password),
    drop: async () => {
      // Two statements: DROP DATABASE may not share a transaction, not even an implicit one.
      await onServer(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `dropping database ${name}`);
      await onServer(adminUrl, `DROP ROLE IF EXISTS ${name}`, `dropping role ${name}`);
    },
  };
}

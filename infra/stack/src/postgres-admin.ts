import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';

/** Runs `run` on a fresh connection to `url`, closed afterwards whatever happens. */
export async function withPostgresClient<T>(
  url: string,
  run: (client: pg.Client) => Promise<T>,
  connectTimeoutMs = 2000,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A connection dropped later (e.g. the server stopping) must not crash the caller.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A SCRAM-SHA-256 verifier of a password, in the form PostgreSQL stores (RFC 5802, 7677). Sent in
 * place of the password so that the password never reaches the server, not even its log of a
 * failed statement.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** A plain lower-case identifier: needs no quoting, so it can be named in SQL as it is. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The same server as the admin URL, connected to another database. */
export function onDatabase(adminUrl: string, database: string): string {
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The URL a role connects to its database with: the admin URL's server, the role's name and password. */
export function roleUrl(adminUrl: string, database: string, role: string, password: string): string {
  const parsed = new URL(onDatabase(adminUrl, database));
  parsed.username = role;
  parsed.password = password;
  return parsed.toString();
}

/**
 * Makes (idempotently) a database that belongs to one login role and no one else: the role with
 * this password, no superuser and no right to create roles or databases; the database owned by it,
 * closed to every other role (CONNECT revoked from PUBLIC), its schema public writable by the
 * role, and any table in it (made earlier by another role) handed to the role. A second run with
 * another password changes the password.
 */
export async function ensureOwnedDatabase(
  adminUrl: string,
  { database, role, password }: { database: string; role: string; password: string },
): Promise<void> {
  for (const name of [database, role])
    if (!IDENTIFIER.test(name))
      throw new Error(`${JSON.stringify(name)} is not a plain lower-case identifier`);
  const verifier = quoteLiteral(scramVerifier(password));
  await withPostgresClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (rowCount === 0) {
      await client.query(`CREATE ROLE "${role}" LOGIN PASSWORD ${verifier}`).catch((error: unknown) => {
        // A concurrent run created it first; it is altered below.
        if ((error as { code?: string }).code !== '42710') throw error;
      });
    }
    // Always, so a new password takes effect and no stray right survives.
    await client.query(
      `ALTER ROLE "${role}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${verifier}`,
    );
    const { rows } = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [database],
    );
    const owner = rows[0]?.owner;
    if (owner === undefined) {
      await client.query(`CREATE DATABASE "${database}" OWNER "${role}"`).catch((error: unknown) => {
        if ((error as { code?: string }).code !== '42P04') throw error;
      });
    } else if (owner !== role) {
      await client.query(`ALTER DATABASE "${database}" OWNER TO "${role}"`);
    }
    await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE "${database}" FROM PUBLIC`);
  });
  // On PostgreSQL 15+ the database's owner may create in public (owned by pg_database_owner);
  // before 15, or with a template that says otherwise, the schema is handed to the role.
  await withPostgresClient(onDatabase(adminUrl, database), async (client) => {
    const { rows } = await client.query<{ allowed: boolean }>(
      "SELECT has_schema_privilege($1, 'public', 'CREATE') AS allowed",
      [role],
    );
    if (rows[0]?.allowed !== true) await client.query(`ALTER SCHEMA public OWNER TO "${role}"`);
    // Tables an earlier owner made (a service that ran as the admin) become the role's; their
    // sequences follow them.
    const { rows: foreign } = await client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_get_userbyid(c.relowner) <> $1`,
      [role],
    );
    for (const { name, kind } of foreign) {
      const what = kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
      await client.query(`ALTER ${what} "${name.replaceAll('"', '""')}" OWNER TO "${role}"`);
    }
  });
}

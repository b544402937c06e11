import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, stackEndpoints, waitFor } from '@switchboard/testing';

/** Whether a database of this name exists on the server behind the admin URL. */
async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL', () => {
  const { postgresUrl } = stackEndpoints();

  it('gives a test a database of its own that keeps rows and is gone once dropped', async () => {
    const database = await createTestDatabase(postgresUrl, 'smoke');
    try {
      expect(await databaseExists(postgresUrl, database.name)).toBe(true);
      const client = new pg.Client({ connectionString: database.url });
      const sessionErrors: (Error & { code?: string })[] = [];
      client.on('error', (error) => sessionErrors.push(error));
      await client.connect();
      try {
        await client.query('CREATE TABLE invoice_line (id uuid PRIMARY KEY, amount_minor bigint NOT NULL)');
        await client.query('INSERT INTO invoice_line VALUES ($1, $2)', [
          '0b9a4a8e-3f1f-4a57-9a44-2f1f4b1c9d01',
          12_345,
        ]);
        const { rows } = await client.query<{ amount_minor: string }>(
          'SELECT amount_minor FROM invoice_line WHERE id = $1',
          ['0b9a4a8e-3f1f-4a57-9a44-2f1f4b1c9d01'],
        );
        expect(rows).toEqual([{ amount_minor: '12345' }]);
        // Still connected: drop() must end this session itself (WITH (FORCE)).
        await database.drop();
        const ended = await waitFor(async () => sessionErrors[0], { description: 'the session to end' });
        expect(ended.code).toBe('57P01'); // admin_shutdown: "terminating connection due to administrator command"
      } finally {
        await client.end().catch(() => undefined);
      }
      expect(await databaseExists(postgresUrl, database.name)).toBe(false);
    } finally {
      await database.drop();
    }
  });

  it('has the database of every service', async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database');
      expect(rows.map((r) => r.datname)).toEqual(
        expect.arrayContaining(['orders', 'conference_bridge', 'billing', 'crm', 'mailing']),
      );
    } finally {
      await client.end();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { pruneExpired, type SqlDatabase } from '@switchboard/database';
import { describeOnEachDatabase, waitFor } from '@switchboard/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IDEMPOTENT_COMMANDS_SQL,
  idempotencyKeyRetention,
  IdempotencyKeyReusedError,
  runIdempotentCommand,
} from '../src/idempotent-command.ts';

interface Thing {
  readonly id: string;
  readonly name: string;
}

/** The same suite on PGlite (a service's default) and on a real PostgreSQL server. */
describeOnEachDatabase('runIdempotentCommand on %s', 'http_idempotent', (database) => {
  let db: SqlDatabase;
  /** How often each key's command ran (not replayed). */
  const runs = new Map<string, number>();

  beforeAll(async () => {
    db = await database().open();
    // Twice, as at every start.
    await db.script(IDEMPOTENT_COMMANDS_SQL);
    await db.script(IDEMPOTENT_COMMANDS_SQL);
    await db.script('CREATE TABLE things (id uuid PRIMARY KEY, name text NOT NULL)');
  });

  /** Creates a thing once per key; `during` runs inside the command, after its insert. */
  const createThing = (
    key: string,
    name: string,
    { command = 'test.create-thing', during }: { command?: string; during?: () => Promise<void> } = {},
  ) =>
    runIdempotentCommand<Thing>(db, {
      command,
      creates: 'thing',
      key,
      request: { name },
      run: async (tx) => {
        runs.set(key, (runs.get(key) ?? 0) + 1);
        const id = randomUUID();
        await tx.query('INSERT INTO things (id, name) VALUES ($1, $2)', [id, name]);
        await during?.();
        return { result: { id, name }, resourceId: id };
      },
      replay: async (tx, id) => {
        const { rows } = await tx.query<Thing>('SELECT id, name FROM things WHERE id = $1', [id]);
        if (!rows[0]) throw new Error(`no thing ${id}`);
        return rows[0];
      },
    });

  const thingsNamed = async (name: string): Promise<number> => {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM things WHERE name = $1', [
      name,
    ]);
    return rows[0]?.n ?? 0;
  };

  it('runs the command once and answers a retry with the first result, replayed', async () => {
    const key = randomUUID();
    const first = await createThing(key, 'first');
    expect(first).toEqual({ result: { id: expect.any(String) as unknown, name: 'first' }, replayed: false });

    const retry = await createThing(key, 'first');
    expect(retry).toEqual({ result: first.result, replayed: true });
    expect(runs.get(key)).toBe(1);
    expect(await thingsNamed('first')).toBe(1);
  });

  it('refuses the same key for another request, naming what the key is for', async () => {
    const key = randomUUID();
    await createThing(key, 'original');
    const reused = createThing(key, 'another');
    await expect(reused).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(reused).rejects.toThrow(
      'this Idempotency-Key was used for a different request; use a new key for a new thing',
    );
    expect(runs.get(key)).toBe(1);
    expect(await thingsNamed('another')).toBe(0);
  });

  it('keeps the keys of two commands apart', async () => {
    const key = randomUUID();
    const one = await createThing(key, 'scoped');
    const other = await createThing(key, 'scoped', { command: 'test.other-command' });
    expect(other.replayed).toBe(false);
    expect(other.result.id).not.toBe(one.result.id);
  });

  it('lets an error through unchanged and keeps no claim, so a retry runs the command', async () => {
    const key = randomUUID();
    const failure = new Error('the printer is on fire');
    await expect(
      createThing(key, 'fragile', {
        during: async () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(await thingsNamed('fragile')).toBe(0);

    const retry = await createThing(key, 'fragile');
    expect(retry.replayed).toBe(false);
    expect(runs.get(key)).toBe(2);
    expect(await thingsNamed('fragile')).toBe(1);
  });

  it('answers retries for the retention and prunes a key only after it, so the key creates anew', async () => {
    const [kept, expired] = [randomUUID(), randomUUID()];
    const first = { kept: await createThing(kept, 'kept'), expired: await createThing(expired, 'expired') };
    const age = (key: string, days: number) =>
      db.query(`UPDATE idempotent_commands SET created_at = now() - $2 * interval '1 day' WHERE key = $1`, [
        key,
        days,
      ]);
    await age(kept, 6.9);
    await age(expired, 7.1);

    expect(await pruneExpired(db, idempotencyKeyRetention(7), 1)).toBe(1);
    expect(await createThing(kept, 'kept')).toEqual({ result: first.kept.result, replayed: true });
    const after = await createThing(expired, 'expired');
    expect(after.replayed).toBe(false);
    expect(after.result.id).not.toBe(first.expired.result.id);
  });

  // PGlite is one connection and runs one transaction at a time: requests there cannot overlap.
  if (database().kind === 'postgres')
    describe('with concurrent requests of one key', () => {
      /**
       * Starts a first request that pauses inside its command (its key claimed, not yet committed),
       * then a second with the same key, and waits until the second is blocked on the first's claim.
       */
      async function concurrently(key: string, name: string, firstFails: boolean) {
        const claimed = Promise.withResolvers<void>();
        const release = Promise.withResolvers<void>();
        const first = createThing(key, name, {
          during: async () => {
            claimed.resolve();
            await release.promise;
            if (firstFails) throw new Error('the first request failed');
          },
        });
        await claimed.promise;
        const second = createThing(key, name);
        await waitFor(
          async () => {
            const { rows } = await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return rows[0]?.n === 1 ? true : undefined;
          },
          { description: 'the second request to wait for the first one’s claim', intervalMs: 20 },
        );
        release.resolve();
        return Promise.allSettled([first, second]);
      }

      it('runs the command once; the second answers what the first created', async () => {
        const key = randomUUID();
        const [first, second] = await concurrently(key, 'contested', false);
        expect(first).toEqual({
          status: 'fulfilled',
          value: { result: { id: expect.any(String) as unknown, name: 'contested' }, replayed: false },
        });
        const created = first.status === 'fulfilled' ? first.value.result : undefined;
        expect(second).toEqual({ status: 'fulfilled', value: { result: created, replayed: true } });
        expect(runs.get(key)).toBe(1);
        expect(await thingsNamed('contested')).toBe(1);
      });

      it('lets the second claim the key when the first rolls back', async () => {
        const key = randomUUID();
        const [first, second] = await concurrently(key, 'second chance', true);
        expect(first).toEqual({ status: 'rejected', reason: new Error('the first request failed') });
        expect(second).toEqual({
          status: 'fulfilled',
          value: { result: { id: expect.any(String) as unknown, name: 'second chance' }, replayed: false },
        });
        expect(runs.get(key)).toBe(2);
        expect(await thingsNamed('second chance')).toBe(1);
      });
    });
});

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stackPaths } from './paths.ts';
import { ensureSecret, secretsDir } from './secrets.ts';
import { ownDatabase } from './services.ts';

describe('the database `up` gives a service', () => {
  const homes: string[] = [];
  afterEach(async () => {
    for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
  });

  it("is its own database on the stack's PostgreSQL, as its own role, by a URL in a private file", async () => {
    const home = await mkdtemp(join(tmpdir(), 'stack-services-'));
    homes.push(home);
    const paths = stackPaths({ SWITCHBOARD_HOME: home });
    const { value: password } = await ensureSecret('postgres-roles/conference_bridge', paths);

    const env = await ownDatabase(paths, 'conference-bridge', {});
    const file = join(secretsDir(paths), 'database-urls', 'conference_bridge');
    expect(env).toEqual({ DATABASE_URL_FILE: file });
    const url = new URL(await readFile(file, 'utf8'));
    expect([url.username, decodeURIComponent(url.password), url.pathname]).toEqual([
      'conference_bridge',
      password,
      '/conference_bridge',
    ]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('is the one the environment names, when it names one', async () => {
    const paths = stackPaths({ SWITCHBOARD_HOME: '/nowhere' });
    expect(await ownDatabase(paths, 'orders', { DATABASE_URL: 'postgres://orders@db/orders' })).toEqual({});
    expect(await ownDatabase(paths, 'orders', { DATABASE_URL_FILE: '/run/secrets/db' })).toEqual({});
  });
});

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StackError } from './errors.ts';
import { stackPaths } from './paths.ts';
import { clientSecretFile, clientSecretName, ensureSecret, readClientSecret, secretsDir } from './secrets.ts';

describe('the secrets of the stack', () => {
  const homes: string[] = [];
  afterEach(async () => {
    for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
  });
  async function tempPaths() {
    const home = await mkdtemp(join(tmpdir(), 'stack-secrets-'));
    homes.push(home);
    return stackPaths({ SWITCHBOARD_HOME: home });
  }

  it('keeps a client secret at <run>/secrets/oidc-clients/<clientId>', () => {
    const paths = stackPaths({ SWITCHBOARD_HOME: '/srv/sb' });
    expect(clientSecretFile('web-shop', paths)).toBe('/srv/sb/run/secrets/oidc-clients/web-shop');
    expect(secretsDir(paths)).toBe('/srv/sb/run/secrets');
  });

  it('generates a secret once, readable by its owner only, and keeps it', async () => {
    const paths = await tempPaths();
    const first = await ensureSecret(clientSecretName('web-shop'), paths);
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = clientSecretFile('web-shop', paths);
    expect(await readFile(file, 'utf8')).toBe(first.value);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(secretsDir(paths))).mode & 0o777).toBe(0o700);
    expect((await stat(join(secretsDir(paths), 'oidc-clients'))).mode & 0o777).toBe(0o700);
    expect(await ensureSecret(clientSecretName('web-shop'), paths)).toEqual({
      value: first.value,
      created: false,
    });
    expect(await readClientSecret('web-shop', paths)).toBe(first.value);
  });

  it('hands concurrent callers one and the same secret', async () => {
    const paths = await tempPaths();
    const results = await Promise.all(Array.from({ length: 8 }, () => ensureSecret('keycloak-db', paths)));
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('names the file and the way out when a client has no secret yet', async () => {
    const paths = await tempPaths();
    await expect(readClientSecret('web-shop', paths)).rejects.toThrow(StackError);
    await expect(readClientSecret('web-shop', paths)).rejects.toThrow(clientSecretFile('web-shop', paths));
  });

  it('refuses a client id that would leave the folder', () => {
    expect(() => clientSecretFile('../keycloak-admin')).toThrow(StackError);
    expect(() => clientSecretFile('a/b')).toThrow(StackError);
  });
});

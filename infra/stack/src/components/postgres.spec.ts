import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackPaths } from '../paths.ts';
import {
  type BinaryProbe,
  byVersionDescending,
  dataDirectory,
  findServerBinaries,
  missingServerAdvice,
  postgres,
  serviceDatabases,
} from './postgres.ts';

/** A machine with exactly these executables and, optionally, a pg_config. */
function machine(executables: readonly string[], pgConfigBindir?: string): BinaryProbe {
  const files = new Set(executables);
  return {
    listDir: async (dir) => [
      ...new Set(
        [...files]
          .filter((f) => f.startsWith(`${dir}/`))
          .map((f) => f.slice(dir.length + 1).split('/')[0] ?? ''),
      ),
    ],
    isExecutable: async (file) => files.has(file),
    pgConfigBindir: async () => pgConfigBindir,
    onPath: async (name) => [...files].find((f) => f === `/usr/local/bin/${name}`),
  };
}

const debian = (version: string, ...names: string[]): string[] =>
  names.map((n) => `/usr/lib/postgresql/${version}/bin/${n}`);

describe('findServerBinaries', () => {
  it('takes the highest version Debian installed side by side', async () => {
    const found = await findServerBinaries(
      machine([
        ...debian('9.6', 'postgres', 'initdb'),
        ...debian('17', 'postgres', 'initdb'),
        ...debian('15', 'postgres', 'initdb'),
      ]),
    );
    expect(found).toEqual({
      postgres: '/usr/lib/postgresql/17/bin/postgres',
      initdb: '/usr/lib/postgresql/17/bin/initdb',
    });
  });

  it('skips a version folder that has only the client tools', async () => {
    const found = await findServerBinaries(
      machine([...debian('17', 'psql'), ...debian('15', 'postgres', 'initdb')]),
    );
    expect(found?.postgres).toBe('/usr/lib/postgresql/15/bin/postgres');
  });

  it('keeps running an existing cluster with the version that created it', async () => {
    const probe = machine([...debian('17', 'postgres', 'initdb'), ...debian('15', 'postgres', 'initdb')]);
    expect((await findServerBinaries(probe, '15'))?.postgres).toBe('/usr/lib/postgresql/15/bin/postgres');
    expect((await findServerBinaries(probe, '13'))?.postgres).toBe('/usr/lib/postgresql/17/bin/postgres');
  });

  it('falls back to pg_config --bindir, then to PATH', async () => {
    expect(
      await findServerBinaries(machine(['/opt/pg/bin/postgres', '/opt/pg/bin/initdb'], '/opt/pg/bin')),
    ).toEqual({ postgres: '/opt/pg/bin/postgres', initdb: '/opt/pg/bin/initdb' });
    expect(
      await findServerBinaries(machine(['/usr/local/bin/postgres', '/usr/local/bin/initdb'], '/nowhere')),
    ).toEqual({ postgres: '/usr/local/bin/postgres', initdb: '/usr/local/bin/initdb' });
  });

  it('finds nothing when initdb is missing', async () => {
    expect(await findServerBinaries(machine(['/usr/local/bin/postgres']))).toBeUndefined();
  });
});

describe('byVersionDescending', () => {
  it('orders numerically, not as text, and drops what is not a version', () => {
    expect(byVersionDescending(['9.6', '15', 'README', '17', '10'])).toEqual(['17', '15', '10', '9.6']);
  });
});

describe('dataDirectory', () => {
  const paths = stackPaths({ SWITCHBOARD_HOME: '/root/.cache/switchboard' });

  it('keeps the cluster in the stack data folder when not root', () => {
    expect(dataDirectory(paths, false)).toBe('/root/.cache/switchboard/run/data/postgres');
  });

  it('as root, keeps it where the postgres user can reach it, one folder per stack home', () => {
    const dir = dataDirectory(paths, true);
    expect(dir).toMatch(/^\/var\/lib\/postgresql\/switchboard\/[0-9a-f]{12}$/);
    expect(dataDirectory(stackPaths({ SWITCHBOARD_HOME: '/srv/other' }), true)).not.toBe(dir);
    expect(dataDirectory(paths, true)).toBe(dir);
  });

  it('is what the server command line carries, so the stack recognises its own server', () => {
    expect(postgres.marker(paths)).toBe(dataDirectory(paths, process.getuid?.() === 0));
  });
});

describe('missingServerAdvice', () => {
  it('names what is missing and every way out, in one line', () => {
    for (const root of [true, false]) {
      for (const aptGet of [true, false]) {
        const advice = missingServerAdvice({ root, aptGet });
        expect(advice).not.toContain('\n');
        expect(advice).toContain('postgres, initdb');
        expect(advice).toContain('POSTGRES_URL');
      }
    }
    expect(missingServerAdvice({ root: false, aptGet: true })).toContain('sudo apt-get install postgresql');
    expect(missingServerAdvice({ root: true, aptGet: false })).toContain('OS packages');
  });
});

describe('serviceDatabases', () => {
  it("reads the five services' databases and the console's from the script docker compose runs", () => {
    const script = readFileSync(join(import.meta.dirname, '..', '..', '..', 'postgres', 'init.sql'), 'utf8');
    expect(serviceDatabases(script)).toEqual([
      'orders',
      'conference_bridge',
      'billing',
      'crm',
      'mailing',
      'console',
    ]);
  });

  it('ignores comments and anything that is not a plain identifier', () => {
    expect(
      serviceDatabases(
        '-- CREATE DATABASE nope;\nCREATE DATABASE "ok_1";\nCREATE DATABASE bad-name;\ncreate database Crm;\n',
      ),
    ).toEqual(['ok_1', 'crm']);
  });
});

describe('the postgres component', () => {
  it('stops with a fast shutdown and binds its own port', () => {
    expect(postgres.stopSignal).toBe('SIGINT');
    expect(postgres.ports).toEqual([55432]);
    expect(postgres.overriddenBy).toEqual(['POSTGRES_URL']);
    expect(postgres.endpoints.map((e) => e.url).join()).not.toContain(':switchboard@');
  });
});

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, chown, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { exists } from '../artifacts.ts';
import type { Component } from '../component.ts';
import { LOCAL_ENDPOINTS, withoutPassword } from '../endpoints.ts';
import { StackError } from '../errors.ts';
import type { StackPaths } from '../paths.ts';
import { ensureOwnedDatabase, roleUrl, withPostgresClient } from '../postgres-admin.ts';
import { ensureSecret, readSecret } from '../secrets.ts';
import { aptInstall, runLogged, runsAsRoot, which } from '../tools.ts';

const execFileAsync = promisify(execFile);

/**
 * The local server's admin URL is the single source of its user, password and port. Port 55432,
 * not 5432, so that the default cluster Debian's package may start on 5432 never collides.
 */
const ADMIN_URL = LOCAL_ENDPOINTS.postgresUrl;
const { username: SUPERUSER, password: PASSWORD, port: PORT_TEXT } = new URL(ADMIN_URL);
const PORT = Number(PORT_TEXT);

/** Debian installs each major version side by side: /usr/lib/postgresql/<version>/bin. */
const DEBIAN_ROOT = '/usr/lib/postgresql';
/** As root the cluster lives here, where the `postgres` user can reach it (it cannot enter /root). */
const ROOT_DATA_PARENT = '/var/lib/postgresql/switchboard';
const SYSTEM_USER = 'postgres';

export interface ServerBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

/** What the binary lookup reads from the machine; tests replace it. */
export interface BinaryProbe {
  listDir(dir: string): Promise<string[]>;
  isExecutable(file: string): Promise<boolean>;
  /** `pg_config --bindir`, or undefined when there is no pg_config. */
  pgConfigBindir(): Promise<string | undefined>;
  onPath(name: string): Promise<string | undefined>;
}

const systemProbe: BinaryProbe = {
  listDir: (dir) => readdir(dir).catch(() => []),
  isExecutable: (file) =>
    access(file, 1 /* X_OK */).then(
      () => true,
      () => false,
    ),
  pgConfigBindir: async () => {
    try {
      return (await execFileAsync('pg_config', ['--bindir'])).stdout.trim() || undefined;
    } catch {
      return undefined;
    }
  },
  onPath: which,
};

/** Version folder names, highest first ("17" before "15" before "9.6"); other names are dropped. */
export function byVersionDescending(names: readonly string[]): string[] {
  const parts = (name: string): number[] => name.split('.').map(Number);
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const difference = (b[i] ?? 0) - (a[i] ?? 0);
      if (difference !== 0) return difference;
    }
    return 0;
  };
  return names.filter((name) => /^\d+(\.\d+)*$/.test(name)).sort((a, b) => compare(parts(a), parts(b)));
}

/**
 * Finds `postgres` and `initdb` from one installation: the highest version under
 * /usr/lib/postgresql, else the folder `pg_config --bindir` names, else PATH. A cluster can only
 * be run by the major version that created it, so when `clusterVersion` is given and installed
 * (a newer one may have arrived since), that version comes first.
 */
export async function findServerBinaries(
  probe: BinaryProbe = systemProbe,
  clusterVersion?: string,
): Promise<ServerBinaries | undefined> {
  const inFolder = async (bin: string): Promise<ServerBinaries | undefined> => {
    const found = { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
    return (await probe.isExecutable(found.postgres)) && (await probe.isExecutable(found.initdb))
      ? found
      : undefined;
  };
  const versions = byVersionDescending(await probe.listDir(DEBIAN_ROOT));
  if (clusterVersion && versions.includes(clusterVersion)) versions.unshift(clusterVersion);
  for (const version of versions) {
    const found = await inFolder(join(DEBIAN_ROOT, version, 'bin'));
    if (found) return found;
  }
  const bindir = await probe.pgConfigBindir();
  const fromPgConfig = bindir ? await inFolder(bindir) : undefined;
  if (fromPgConfig) return fromPgConfig;
  const [postgres, initdb] = await Promise.all([probe.onPath('postgres'), probe.onPath('initdb')]);
  return postgres && initdb ? { postgres, initdb } : undefined;
}

/** The one line that tells a user without server binaries how to get them. */
export function missingServerAdvice(context: { root: boolean; aptGet: boolean }): string {
  const missing = `PostgreSQL server binaries (postgres, initdb) not found in ${DEBIAN_ROOT}/<version>/bin, pg_config --bindir or PATH`;
  const elsewhere = 'or set POSTGRES_URL to an existing server';
  if (!context.aptGet) {
    return `${missing}: install PostgreSQL 13 or newer with your OS packages, ${elsewhere}`;
  }
  if (!context.root) {
    return `${missing}: install them with \`sudo apt-get install postgresql\` (the stack does it when run as root), ${elsewhere}`;
  }
  return `${missing}: install them with \`apt-get install postgresql\`, ${elsewhere}`;
}

async function requireBinaries(clusterVersion?: string): Promise<ServerBinaries> {
  const found = await findServerBinaries(systemProbe, clusterVersion);
  if (!found) {
    throw new StackError(
      missingServerAdvice({ root: runsAsRoot(), aptGet: (await which('apt-get')) !== undefined }),
    );
  }
  return found;
}

/**
 * The cluster's folder. As root the server runs as the `postgres` user, which cannot enter
 * /root, so the cluster lives under /var/lib/postgresql, named after the stack's home so that two
 * homes never share one.
 */
export function dataDirectory(paths: Pick<StackPaths, 'home' | 'data'>, asRoot: boolean): string {
  if (!asRoot) return join(paths.data, 'postgres');
  return join(ROOT_DATA_PARENT, createHash('sha1').update(paths.home).digest('hex').slice(0, 12));
}

interface SystemUser {
  readonly uid: number;
  readonly gid: number;
}

/** Who runs initdb and the server: the `postgres` system user when we are root, else ourselves. */
async function serverUser(): Promise<SystemUser | undefined> {
  if (!runsAsRoot()) return undefined;
  const id = async (flag: string): Promise<number> =>
    Number((await execFileAsync('id', [flag, SYSTEM_USER])).stdout.trim());
  try {
    const [uid, gid] = await Promise.all([id('-u'), id('-g')]);
    if (Number.isInteger(uid) && uid > 0 && Number.isInteger(gid)) return { uid, gid };
  } catch {
    // No such user; reported below.
  }
  throw new StackError(
    `PostgreSQL refuses to run as root and there is no "${SYSTEM_USER}" user to run it as: install Debian's postgresql package (which creates it) or create it with \`useradd --system ${SYSTEM_USER}\``,
  );
}

/** Creates a folder PostgreSQL accepts as its own: mode 700, owned by the user that runs it. */
async function ownedFolder(dir: string, user: SystemUser | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if (user) await chown(dir, user.uid, user.gid);
}

/**
 * The names of the service databases, from the script docker compose runs, so there is one list.
 * As in SQL, an unquoted name means its lower-case form.
 */
export function serviceDatabases(initSql: string): string[] {
  return [
    ...initSql.matchAll(/^\s*CREATE\s+DATABASE\s+(?:"([a-z_][a-z0-9_]*)"|([a-z_][a-z0-9_]*))\s*;/gim),
  ].map(([, quoted, plain]) => quoted ?? plain?.toLowerCase() ?? '');
}

const initScript = (paths: StackPaths): string => join(paths.packageDir, '..', 'postgres', 'init.sql');

/** The secret's name of the password of a service database's role (the role is named as the database). */
const serviceRoleSecret = (database: string): string => join('postgres-roles', database);

/**
 * The URL a service connects to its database on the local stack with: as the database's own role,
 * with the password the stack generated for it.
 */
export async function serviceDatabaseUrl(database: string, paths: StackPaths): Promise<string> {
  const password = await readSecret(serviceRoleSecret(database), paths);
  if (password === undefined)
    throw new StackError(
      `no password for the role of database ${database}: run ./switchboard stack up postgres`,
    );
  return roleUrl(ADMIN_URL, database, database, password);
}

const withAdmin = <T>(run: (client: pg.Client) => Promise<T>): Promise<T> =>
  withPostgresClient(ADMIN_URL, run);

export const postgres: Component = {
  name: 'postgres',
  title: 'PostgreSQL (system package)',
  ports: [PORT],
  overriddenBy: ['POSTGRES_URL'],
  endpoints: [{ label: 'PostgreSQL (admin)', url: withoutPassword(ADMIN_URL) }],
  startTimeoutSeconds: 60,
  // SIGTERM is a "smart" shutdown that waits for every client to leave; SIGINT is the fast one.
  stopSignal: 'SIGINT',

  marker: (paths) => dataDirectory(paths, runsAsRoot()),

  installed: async () => (await findServerBinaries()) !== undefined,

  async install(_paths, logFile) {
    await aptInstall('PostgreSQL', ['postgresql'], logFile, missingServerAdvice);
    if (!(await findServerBinaries())) {
      throw new StackError(
        `apt-get installed postgresql, yet no postgres and initdb are in ${DEBIAN_ROOT}/<version>/bin; see ${logFile}`,
      );
    }
  },

  async prepare(paths, logFile) {
    const user = await serverUser();
    const dir = dataDirectory(paths, user !== undefined);
    if (await exists(join(dir, 'PG_VERSION'))) return;
    const { initdb } = await requireBinaries();
    // The parent must stay enterable by the `postgres` user.
    await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
    // initdb works in a scratch folder moved into place when complete, so an interrupted initdb
    // never leaves a half-made cluster that looks ready.
    const scratch = `${dir}.partial`;
    const passwordFile = `${dir}.pwfile`;
    await rm(scratch, { recursive: true, force: true });
    await rm(passwordFile, { force: true });
    await ownedFolder(scratch, user);
    try {
      await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
      if (user) await chown(passwordFile, user.uid, user.gid);
      await runLogged(
        'Creating the PostgreSQL cluster (initdb)',
        initdb,
        [
          '-D',
          scratch,
          '-U',
          SUPERUSER,
          `--pwfile=${passwordFile}`,
          '--auth-host=scram-sha-256',
          '--auth-local=peer',
          '-E',
          'UTF8',
          '--locale=C',
        ],
        { logFile, cwd: scratch, ...user },
      );
      await rm(dir, { recursive: true, force: true });
      await rename(scratch, dir);
    } finally {
      await rm(passwordFile, { force: true });
      await rm(scratch, { recursive: true, force: true });
    }
  },

  async command(paths) {
    const user = await serverUser();
    const dir = dataDirectory(paths, user !== undefined);
    const clusterVersion = (await readFile(join(dir, 'PG_VERSION'), 'utf8').catch(() => '')).trim();
    const { postgres: server } = await requireBinaries(clusterVersion || undefined);
    await ownedFolder(dir, user);
    return {
      command: server,
      args: [
        '-D',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-p',
        String(PORT),
        // Its socket stays in its own folder, away from the system cluster's /var/run/postgresql.
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'max_connections=200',
      ],
      cwd: dir,
      ...user,
    };
  },

  async healthy() {
    try {
      return await withAdmin(async (client) => (await client.query('SELECT 1')).rowCount === 1);
    } catch {
      return false;
    }
  },

  /** The service databases of init.sql, each owned by a role of its own name (no superuser). */
  async configure(paths) {
    const script = initScript(paths);
    const names = serviceDatabases(await readFile(script, 'utf8'));
    if (names.length === 0) throw new StackError(`${script} names no database (CREATE DATABASE <name>;)`);
    try {
      for (const name of names) {
        const { value: password } = await ensureSecret(serviceRoleSecret(name), paths);
        await ensureOwnedDatabase(ADMIN_URL, { database: name, role: name, password });
      }
    } catch (error) {
      if (error instanceof StackError) throw error;
      throw new StackError(
        `could not create the service databases on ${withoutPassword(ADMIN_URL)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  },
};

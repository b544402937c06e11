import { access, chmod, mkdir, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tokenUrlOf } from '@switchboard/config';
import { artifactDir, copyMavenDependencies, exists, installAtomically } from '../artifacts.ts';
import type { Component } from '../component.ts';
import { ENDPOINT_ENV, LOCAL_ENDPOINTS, resolveEndpoints, withoutPassword } from '../endpoints.ts';
import { StackError } from '../errors.ts';
import type { StackPaths } from '../paths.ts';
import {
  REALM_NAME,
  realmClients,
  realmFile,
  realmHashes,
  realmRepresentation,
  realmUpToDate,
  realmUsers,
  userSecretKey,
} from '../realm.ts';
import {
  clientSecretName,
  ensureSecret,
  KEYCLOAK_ADMIN_SECRET,
  KEYCLOAK_DB_SECRET,
  readSecret,
  secretsDir,
  userPasswordName,
} from '../secrets.ts';
import { findJava, runLogged, which } from '../tools.ts';
import { ensureOwnedDatabase, withPostgresClient } from '../postgres-admin.ts';

const VERSION = '26.4.0';
const HTTP_PORT = 8180;
const MANAGEMENT_PORT = 9180;
const BASE = `http://127.0.0.1:${HTTP_PORT}`;
const ISSUER = LOCAL_ENDPOINTS.oidcIssuerUrl;
const READY_URL = `http://127.0.0.1:${MANAGEMENT_PORT}/health/ready`;
/** The temporary admin Keycloak creates in the master realm on its first start. */
const ADMIN_USER = 'admin';
/** Keycloak's own database and role in the stack's PostgreSQL (not the superuser). */
const DATABASE = 'keycloak';
const ROLE = 'keycloak';

/**
 * Build-time options, fixed once by `kc.sh build` so that every start is `--optimized` (no
 * re-augmentation, ~20 s saved).
 */
const BUILD_OPTIONS = ['--db=postgres', '--health-enabled=true'] as const;

/** kc.sh's default heap without a container is the same; set, so an inherited KC_RUN_IN_CONTAINER changes nothing. */
const HEAP = '-Xms64m -Xmx512m';

const home = (paths: StackPaths): string => artifactDir(paths.artifacts, 'keycloak', VERSION);
const kcScript = (paths: StackPaths): string => join(home(paths), 'bin', 'kc.sh');
/** Written after a successful build; holds the build options, so changing them rebuilds. */
const buildStamp = (paths: StackPaths): string => join(home(paths), '.switchboard-build');

/** A `java` of 21+ with its real path, so JAVA_HOME and `jar` come from the same JDK. */
async function keycloakJava(): Promise<{ java: string; javaHome: string }> {
  const java = await realpath(await findJava(21, `run Keycloak ${VERSION}`));
  return { java, javaHome: dirname(dirname(java)) };
}

/**
 * kc.sh picks `$JAVA`, else `$JAVA_HOME/bin/java`: both set, so another JAVA in the environment
 * loses. On Java 24+, jboss-threads fails at every shutdown with a stack trace unless java.lang is
 * open to it (Java 21 accepts the option as well).
 */
const javaEnv = (java: string, javaHome: string): Record<string, string> => ({
  JAVA: java,
  JAVA_HOME: javaHome,
  JAVA_OPTS_KC_HEAP: HEAP,
  JAVA_OPTS_APPEND: '--add-opens=java.base/java.lang=ALL-UNNAMED',
});

const isExecutable = (file: string): Promise<boolean> =>
  access(file, 1 /* X_OK */).then(
    () => true,
    () => false,
  );

/**
 * Unpacks the zip with the JDK's own `jar` (there whenever a JDK 21 is), else `unzip`: nothing
 * beyond what Keycloak needs anyway. `jar` drops the executable bits; kc.sh runs through `sh`.
 */
async function unpack(archive: string, into: string, java: string, logFile: string): Promise<void> {
  const jar = join(dirname(java), 'jar');
  if (await isExecutable(jar)) {
    await runLogged('Unpacking Keycloak', jar, ['xf', archive], { cwd: into, logFile });
    return;
  }
  const unzip = await which('unzip');
  if (!unzip) {
    throw new StackError(
      `unpacking Keycloak needs a JDK's jar or unzip: ${java} has no jar beside it (a JRE) and unzip is not on PATH; install a JDK 21+ or unzip (apt-get install unzip)`,
    );
  }
  await runLogged('Unpacking Keycloak', unzip, ['-q', archive, '-d', into], { logFile });
}

/** The JDBC URL of Keycloak's database on the server the admin URL names (the stack's or POSTGRES_URL's). */
export function jdbcUrl(adminUrl: string): string {
  const parsed = new URL(adminUrl);
  // `host` keeps the port and IPv6 brackets; query parameters such as sslmode mean the same to pgJDBC.
  return `jdbc:postgresql://${parsed.host}/${DATABASE}${parsed.search}`;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Creates (idempotently) Keycloak's role, with the stack's password for it, and its database,
 * owned by that role and writable in schema public. When the admin password was generated just
 * now while the database exists, the database holds an admin the stack has no password for: on
 * the stack's own server it is dropped (it holds nothing but what the realm file and the secrets
 * make again); on another server, that is left to its owner.
 */
async function ensureDatabase(
  password: string,
  adminIsNew: boolean,
  log: (line: string) => void,
): Promise<void> {
  const adminUrl = resolveEndpoints().postgresUrl;
  const external = (process.env[ENDPOINT_ENV.postgresUrl] ?? '').trim() !== '';
  const where = withoutPassword(adminUrl);
  try {
    await withPostgresClient(adminUrl, async (client) => {
      const present = async (): Promise<{ owner: string } | undefined> =>
        (
          await client.query<{ owner: string }>(
            'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
            [DATABASE],
          )
        ).rows[0];
      if (adminIsNew && (await present())) {
        if (external) {
          throw new StackError(
            `database ${DATABASE} on ${where} exists, but the stack has no admin password for it (${join('run', 'secrets', KEYCLOAK_ADMIN_SECRET)} is new): drop that database, or point POSTGRES_URL elsewhere`,
          );
        }
        log(`  identity: a new admin password was generated; re-creating database ${DATABASE}`);
        await client.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
      }
    });
    await ensureOwnedDatabase(adminUrl, { database: DATABASE, role: ROLE, password });
  } catch (error) {
    if (error instanceof StackError) throw error;
    throw new StackError(`could not prepare Keycloak's database ${DATABASE} on ${where}: ${message(error)}`);
  }
}

/**
 * Every client's secret and every local user's password, generated where missing: by client id, and
 * by `userSecretKey(username)`.
 */
async function clientSecrets(paths: StackPaths, realmText: string): Promise<Record<string, string>> {
  const ids = realmClients(realmText, realmFile(paths));
  const users = realmUsers(realmText, realmFile(paths));
  const entries = await Promise.all([
    ...ids.map(async (id) => [id, (await ensureSecret(clientSecretName(id), paths)).value] as const),
    ...users.map(
      async (user) =>
        [userSecretKey(user), (await ensureSecret(userPasswordName(user), paths)).value] as const,
    ),
  ]);
  return Object.fromEntries(entries);
}

interface Request {
  readonly method?: string;
  readonly token?: string;
  readonly form?: Record<string, string>;
  readonly json?: unknown;
}

/**
 * One call to Keycloak. Failures name the step and Keycloak's reason (its error fields only,
 * never the request, which may carry a secret).
 */
async function callKeycloak(
  what: string,
  url: string,
  request: Request,
  expected: readonly number[],
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (request.token) headers.Authorization = `Bearer ${request.token}`;
  let body: string | undefined;
  if (request.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  } else if (request.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(request.json);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new StackError(`${what}: Keycloak at ${BASE} did not answer (${message(error)})`);
  }
  if (expected.includes(response.status)) return response;
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  const reason = [answer.error, answer.error_description, answer.errorMessage]
    .filter((v) => typeof v === 'string')
    .join(': ');
  throw new StackError(
    `${what}: Keycloak answered HTTP ${response.status}${reason ? ` (${reason.slice(0, 200)})` : ''}`,
  );
}

async function adminToken(paths: StackPaths): Promise<string> {
  const password = await readSecret(KEYCLOAK_ADMIN_SECRET, paths);
  const file = join(secretsDir(paths), KEYCLOAK_ADMIN_SECRET);
  if (password === undefined) {
    throw new StackError(
      `${file} is missing while Keycloak runs: stop identity (./switchboard stack down identity) and start it again, which re-creates its database`,
    );
  }
  const response = await callKeycloak(
    'logging in as the Keycloak admin',
    `${BASE}/realms/master/protocol/openid-connect/token`,
    { form: { grant_type: 'password', client_id: 'admin-cli', username: ADMIN_USER, password } },
    [200, 401],
  );
  if (response.status === 401) {
    throw new StackError(
      `Keycloak refused the admin password in ${file} (its database was made with another): delete that file and restart identity (./switchboard stack down identity; ./switchboard stack up identity), which re-creates the database`,
    );
  }
  const { access_token: token } = (await response.json()) as { access_token?: string };
  if (!token)
    throw new StackError('logging in as the Keycloak admin: Keycloak answered without an access token');
  return token;
}

/** The local stack's Keycloak, component `identity`: the OpenID Connect provider of the services. */
export const keycloak: Component = {
  name: 'identity',
  title: `Keycloak ${VERSION} (OpenID Connect provider)`,
  ports: [HTTP_PORT, MANAGEMENT_PORT],
  overriddenBy: ['OIDC_ISSUER_URL'],
  dependsOn: ['postgres'],
  endpoints: [
    { label: 'OpenID Connect issuer', url: ISSUER },
    { label: 'Token endpoint', url: tokenUrlOf(ISSUER) },
    { label: 'Admin console', url: `${BASE}/admin/` },
  ],
  // The first start creates Keycloak's tables; on 2 cores beside the rest of the stack, slowly.
  startTimeoutSeconds: 180,

  // Found in the command lines of both kc.sh (`…/bin/kc.sh`) and its java (`-Dkc.home.dir=…/bin/..`).
  marker: (paths) => join(home(paths), 'bin'),

  installed: async (paths) =>
    (await readFile(buildStamp(paths), 'utf8').catch(() => '')) === BUILD_OPTIONS.join(' '),

  async install(paths, logFile) {
    const { java, javaHome } = await keycloakJava();
    await installAtomically(home(paths), async (scratch) => {
      const download = join(scratch, 'download');
      await copyMavenDependencies(
        `Keycloak ${VERSION}`,
        join(paths.packageDir, 'maven', 'keycloak', 'pom.xml'),
        download,
        logFile,
      );
      const archive = join(download, `keycloak-quarkus-dist-${VERSION}.zip`);
      if (!(await exists(archive))) throw new StackError(`Maven did not deliver ${archive}`);
      const unpacked = join(scratch, 'unpacked');
      await mkdir(unpacked);
      await unpack(archive, unpacked, java, logFile);
      await rm(download, { recursive: true, force: true });
      // The zip holds one folder, keycloak-<version>/; its content becomes the cache entry.
      const dist = join(unpacked, `keycloak-${VERSION}`);
      for (const entry of await readdir(dist)) await rename(join(dist, entry), join(scratch, entry));
      await rm(unpacked, { recursive: true, force: true });
      for (const script of (await readdir(join(scratch, 'bin'))).filter((f) => f.endsWith('.sh'))) {
        await chmod(join(scratch, 'bin', script), 0o755);
      }
      await runLogged(
        'Building Keycloak (kc.sh build)',
        'sh',
        [join(scratch, 'bin', 'kc.sh'), 'build', ...BUILD_OPTIONS],
        {
          cwd: scratch,
          env: javaEnv(java, javaHome),
          logFile,
        },
      );
      await writeFile(join(scratch, '.switchboard-build'), BUILD_OPTIONS.join(' '));
    });
  },

  async prepare(paths, _logFile, log) {
    const realmText = await readFile(realmFile(paths), 'utf8');
    const admin = await ensureSecret(KEYCLOAK_ADMIN_SECRET, paths);
    const db = await ensureSecret(KEYCLOAK_DB_SECRET, paths);
    await clientSecrets(paths, realmText);
    await ensureDatabase(db.value, admin.created, log ?? (() => undefined));
  },

  async command(paths) {
    const { java, javaHome } = await keycloakJava();
    const [adminPassword, dbPassword] = await Promise.all([
      readSecret(KEYCLOAK_ADMIN_SECRET, paths),
      readSecret(KEYCLOAK_DB_SECRET, paths),
    ]);
    if (adminPassword === undefined || dbPassword === undefined) {
      throw new StackError(
        `Keycloak's secrets are missing from ${secretsDir(paths)}: run ./switchboard stack up identity`,
      );
    }
    return {
      command: 'sh',
      args: [
        kcScript(paths),
        'start',
        '--optimized',
        '--http-enabled=true',
        '--http-host=127.0.0.1',
        `--http-port=${HTTP_PORT}`,
        `--hostname=${BASE}`,
        `--http-management-port=${MANAGEMENT_PORT}`,
        `--db-url=${jdbcUrl(resolveEndpoints().postgresUrl)}`,
        `--db-username=${ROLE}`,
        // The services' pools share the server's 200 connections.
        '--db-pool-max-size=20',
        // One node needs no cluster; the default cache stack would open JGroups ports beyond 127.0.0.1.
        '--cache=local',
        '--log-console-color=false',
        // Its transaction log is state, kept with the other servers' data, not in the artifact cache.
        `-Dquarkus.transaction-manager.object-store.directory=${join(paths.data, 'identity', 'transaction-logs')}`,
      ],
      cwd: home(paths),
      // Secrets go by environment, not command line: /proc/<pid>/environ is the owner's alone.
      env: {
        ...javaEnv(java, javaHome),
        KC_DB_PASSWORD: dbPassword,
        KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN_USER,
        KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
      },
    };
  },

  async healthy() {
    try {
      const response = await fetch(READY_URL, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      return response.status === 200;
    } catch {
      return false;
    }
  },

  async configure(paths, log = () => undefined) {
    const file = realmFile(paths);
    const realmText = await readFile(file, 'utf8');
    const secrets = await clientSecrets(paths, realmText);
    const wanted = realmHashes(realmText, secrets);
    const representation = realmRepresentation(realmText, secrets);
    const token = await adminToken(paths);
    const realmUrl = `${BASE}/admin/realms/${REALM_NAME}`;
    const existing = await callKeycloak(`reading realm ${REALM_NAME}`, realmUrl, { token }, [200, 404]);
    if (existing.status === 200) {
      if (realmUpToDate((await existing.json()) as { attributes?: unknown }, wanted)) {
        log(`  identity: realm ${REALM_NAME} is up to date`);
        return;
      }
      // The stack's own realm: nothing else lives there, so it is made again from the file.
      log(`  identity: ${file} or the client secrets changed; re-creating realm ${REALM_NAME}`);
      await callKeycloak(`deleting realm ${REALM_NAME}`, realmUrl, { token, method: 'DELETE' }, [204, 404]);
    } else {
      await existing.body?.cancel();
    }
    // 409: a concurrent `up` created it first, from the same file and secrets.
    await callKeycloak(
      `creating realm ${REALM_NAME}`,
      `${BASE}/admin/realms`,
      { token, json: representation },
      [201, 409],
    );
    log(
      `  identity: realm ${REALM_NAME} created from ${file}; client secrets in ${join(secretsDir(paths), 'oidc-clients')}`,
    );
  },
};

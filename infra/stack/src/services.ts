import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONSOLE_PORT, DEFAULT_PORTS, SERVICE_NODE_ARGS, serviceGlibcTunables } from '@switchboard/config';
import { endpointsToEnv, resolveEndpoints } from './endpoints.ts';
import { StackError } from './errors.ts';
import { kafkaPasswordFile } from './components/kafka.ts';
import { SMTP_USER, smtpCaFile, smtpPasswordFile } from './components/mail.ts';
import { serviceDatabaseUrl } from './components/postgres.ts';
import { writeScrapeTargets } from './components/prometheus.ts';
import { clientSecretFile, writeSecret } from './secrets.ts';
import type { StackPaths } from './paths.ts';
import {
  isAlive,
  pidsListeningOn,
  readPid,
  removePid,
  startDetached,
  stopProcess,
  writePid,
} from './processes.ts';

/** What the run command starts, in start order, on their default ports: the services, then the console. */
export const SERVICES = [
  ...(['crm', 'orders', 'conference-bridge', 'billing', 'mailing'] as const).map((name) => ({
    name,
    port: DEFAULT_PORTS[name],
  })),
  { name: 'console', port: CONSOLE_PORT },
] as const;

export type ServiceState = { readonly name: string; readonly url: string; readonly pid: number | undefined };

const pidFile = (paths: StackPaths, name: string): string => join(paths.run, `service-${name}.pid`);
const logFile = (paths: StackPaths, name: string): string => join(paths.logs, `service-${name}.log`);

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function running(paths: StackPaths, name: string): Promise<number | undefined> {
  const pid = await readPid(pidFile(paths, name));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/**
 * A service that calls another (mailing fetches billing's PDFs) or signs people in (the console)
 * does so as its own OAuth 2.0 client, with the secret the stack generated for it, unless the
 * environment gives one.
 */
function ownClient(paths: StackPaths, name: string): Record<string, string> {
  const callsOut = name === 'mailing' || name === 'console';
  if (!callsOut || process.env.OIDC_CLIENT_SECRET || process.env.OIDC_CLIENT_SECRET_FILE) return {};
  return { OIDC_CLIENT_ID: name, OIDC_CLIENT_SECRET_FILE: clientSecretFile(name, paths) };
}

/**
 * Each service connects to Kafka as its own principal, with the password the stack generated for
 * it, unless the environment names a principal or a password (Kafka of another deployment).
 */
function ownKafkaPrincipal(paths: StackPaths, name: string): Record<string, string> {
  const env = process.env;
  if (env.KAFKA_BROKERS || env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD || env.KAFKA_SASL_PASSWORD_FILE)
    return {};
  return { KAFKA_SASL_USERNAME: name, KAFKA_SASL_PASSWORD_FILE: kafkaPasswordFile(name, paths) };
}

/**
 * Mailing logs in to the stack's SMTP server as its one user, and trusts the certificate the
 * stack made for it, unless the environment names another server or credentials.
 */
function ownSmtpLogin(paths: StackPaths, name: string): Record<string, string> {
  const env = process.env;
  if (name !== 'mailing' || env.SMTP_URL || env.SMTP_USERNAME) return {};
  return {
    SMTP_USERNAME: SMTP_USER,
    SMTP_PASSWORD_FILE: smtpPasswordFile(paths),
    SMTP_CA_FILE: smtpCaFile(paths),
  };
}

/**
 * Each service reads schemas from the registry as its own OAuth 2.0 client (read-only), with the
 * secret the stack generated for it, unless the environment names a registry or credentials.
 */
function ownRegistryClient(paths: StackPaths, name: string): Record<string, string> {
  const env = process.env;
  if (
    env.SCHEMA_REGISTRY_URL ||
    env.SCHEMA_REGISTRY_USERNAME ||
    env.SCHEMA_REGISTRY_PASSWORD ||
    env.SCHEMA_REGISTRY_PASSWORD_FILE
  )
    return {};
  return { SCHEMA_REGISTRY_USERNAME: name, SCHEMA_REGISTRY_PASSWORD_FILE: clientSecretFile(name, paths) };
}

/**
 * Each service keeps its data in its own database on the stack's PostgreSQL — the configuration a
 * deployment uses — connecting as that database's own role, unless the environment names a
 * database. The URL carries the role's password, so it goes to the service as a file of the
 * stack's secrets (`database-urls/<database>`), never in its environment.
 */
export async function ownDatabase(
  paths: StackPaths,
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Record<string, string>> {
  if (env.DATABASE_URL || env.DATABASE_URL_FILE) return {};
  const database = name.replaceAll('-', '_');
  const file = await writeSecret(
    join('database-urls', database),
    await serviceDatabaseUrl(database, paths),
    paths,
  );
  return { DATABASE_URL_FILE: file };
}

/**
 * Starts each built service that is not running — from its `dist`, on 127.0.0.1, with the stack's
 * endpoints and its own database on the stack's PostgreSQL — and waits until every one is ready.
 */
export async function servicesUp(paths: StackPaths, log: (line: string) => void): Promise<ServiceState[]> {
  const root = resolve(paths.packageDir, '..', '..');
  await mkdir(paths.logs, { recursive: true });
  const env = endpointsToEnv(resolveEndpoints());
  // Every port is checked before anything starts, so a clash leaves nothing half started.
  for (const { name, port } of SERVICES) {
    if ((await running(paths, name)) !== undefined) continue;
    const holders = await pidsListeningOn(port);
    if (holders.length > 0)
      throw new StackError(
        `port ${port} needed by ${name} is taken by pid ${holders.join(', ')}; stop it first`,
      );
  }
  const states: ServiceState[] = [];
  for (const { name, port } of SERVICES) {
    const url = `http://127.0.0.1:${port}`;
    let pid = await running(paths, name);
    if (pid === undefined) {
      const main = join(root, 'services', name, 'dist', 'main.js');
      if (!existsSync(main))
        throw new StackError(`${name} is not built (${main} is missing); run pnpm build`);
      pid = startDetached(
        {
          command: process.execPath,
          args: [...SERVICE_NODE_ARGS, main],
          cwd: join(root, 'services', name),
          env: {
            ...env,
            ...serviceGlibcTunables(),
            ...ownClient(paths, name),
            ...ownKafkaPrincipal(paths, name),
            ...ownRegistryClient(paths, name),
            ...ownSmtpLogin(paths, name),
            ...(await ownDatabase(paths, name)),
            HOST: '127.0.0.1',
            PORT: String(port),
          },
        },
        logFile(paths, name),
      );
      await writePid(pidFile(paths, name), pid);
      log(`${name}: started (pid ${pid}), log ${logFile(paths, name)}`);
    }
    states.push({ name, url, pid });
  }
  // The stack's Prometheus scrapes them from now on.
  await writeScrapeTargets(
    paths,
    'services',
    SERVICES.map(({ name, port }) => ({ service: name, address: `127.0.0.1:${port}` })),
  );
  const deadline = Date.now() + 90_000;
  for (const state of states) {
    while (!(await ready(state.url))) {
      if (state.pid === undefined || !isAlive(state.pid))
        throw new StackError(`${state.name} stopped while starting; see ${logFile(paths, state.name)}`);
      if (Date.now() > deadline)
        throw new StackError(`${state.name} was not ready within 90 s; see ${logFile(paths, state.name)}`);
      await sleep(500);
    }
  }
  return states;
}

/** Stops the services the run command started, letting each finish its work (SIGTERM). */
export async function servicesDown(paths: StackPaths, log: (line: string) => void): Promise<void> {
  for (const { name } of [...SERVICES].reverse()) {
    const pid = await running(paths, name);
    if (pid !== undefined) {
      await stopProcess(pid, 20_000, 'SIGTERM');
      log(`${name}: stopped (pid ${pid})`);
    }
    await removePid(pidFile(paths, name));
  }
  await writeScrapeTargets(paths, 'services', []);
}

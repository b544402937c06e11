import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_ARGS, serviceGlibcTunables } from '@switchboard/config';
import { scopesOf, type TopicName } from '@switchboard/contracts';
import {
  accessToken,
  createTestTopics,
  knownClientSecret,
  stackEndpoints,
  testClient,
  testKafka,
  testSmtpEnv,
  type TestTopics,
  waitFor,
} from '@switchboard/testing';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every service, upstream first (crm's customers before the orders that name them). */
export const SERVICE_NAMES = ['crm', 'orders', 'conference-bridge', 'billing', 'mailing'] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * Services running as real processes, built from source, on one test's own topics and data
 * folders, with the stack's Kafka, registry, Jaeger and SMTP server.
 */
export interface System {
  readonly topics: TestTopics;
  readonly dataDir: string;
  /** Each service's address (its first process's, where it runs several). */
  readonly url: Readonly<Record<ServiceName, string>>;
  /** The addresses of each of a service's processes (its replicas), in order. */
  readonly urls: Readonly<Record<ServiceName, readonly string[]>>;
  call(
    name: ServiceName,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer>;
  /** Kills a service's process (its first, or replica `replica`) at once (SIGKILL): no draining, no goodbye. */
  kill(name: ServiceName, replica?: number): Promise<void>;
  /** Stops a service's process as a deployment does (SIGTERM): it finishes what it holds and leaves its group. */
  shutdown(name: ServiceName, replica?: number): Promise<void>;
  /**
   * Waits until a service has handled every record on these topics so far: its consumer group's
   * committed offsets reach each partition's end.
   */
  caughtUp(name: ServiceName, topics: readonly TopicName[]): Promise<void>;
  /**
   * Moves a stopped service's consumer group back to the start of these topics, so that, once
   * restarted, it is delivered every record again — as after a lost offset commit.
   */
  rewind(name: ServiceName, topics: readonly TopicName[]): Promise<void>;
  /** Starts a stopped process again on the same port and data folder, and waits until it is ready. */
  restart(name: ServiceName, replica?: number): Promise<void>;
  /**
   * Starts a second process of a service, on another port but its data folder and settings, and
   * waits (at most 60 s) until it exits: its exit code and output.
   */
  second(name: ServiceName): Promise<{ readonly code: number | null; readonly output: string }>;
  /** A process's output so far. */
  log(name: ServiceName, replica?: number): string;
  /** A running process's id (its first, or replica `replica`). */
  pid(name: ServiceName, replica?: number): number | undefined;
  /** How long each process took from its start to its first ready answer, by `<name>[#n]`. */
  readonly startupMs: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
  });
}

export interface SystemOptions {
  /**
   * How many processes of a service to run (default 1), as a deployment scales it out: on the
   * same settings and data, each on a port of its own.
   */
  readonly replicas?: Partial<Record<ServiceName, number>>;
  /**
   * Starts the processes one after another, each once the one before is ready, as a team deploys
   * one service at a time (default: all at once). Each one's start-up time is then its own.
   */
  readonly oneAtATime?: boolean;
}

/** A process of a service: the service's name for its first, `<name>#<n>` for replica n. */
const instanceOf = (name: ServiceName, replica = 0): string => (replica === 0 ? name : `${name}#${replica}`);

export async function startSystem(
  services: readonly ServiceName[],
  env: Partial<Record<ServiceName, Record<string, string>>> = {},
  options: SystemOptions = {},
): Promise<System> {
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', ...services.map((s) => join(ROOT, 'services', s))], {
    stdio: 'inherit',
  });
  // Each service connects as its own Kafka principal, limited by the catalog's ACLs on these topics.
  const topics = await createTestTopics({ acls: true });
  const passwords = testKafka().principals;
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-'));
  const endpoints = stackEndpoints();
  const url = {} as Record<ServiceName, string>;
  const urls = {} as Record<ServiceName, string[]>;
  const ports = new Map<string, number>();
  const logs = new Map<string, string[]>();
  const children = new Map<string, ChildProcess>();
  const launchedAt = new Map<string, number>();
  const startupMs: Record<string, number> = {};
  const instances = services.flatMap((name) =>
    Array.from({ length: options.replicas?.[name] ?? 1 }, (_, replica) => ({ name, replica })),
  );

  const spawnService = (name: ServiceName, port: number): ChildProcess =>
    spawn(process.execPath, [...SERVICE_NODE_ARGS, join(ROOT, 'services', name, 'dist', 'main.js')], {
      cwd: join(ROOT, 'services', name),
      env: {
        ...process.env,
        ...serviceGlibcTunables(),
        HOST: '127.0.0.1',
        PORT: String(port),
        KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.otlpHttpUrl,
        SMTP_URL: endpoints.smtpUrl,
        OIDC_ISSUER_URL: endpoints.oidcIssuerUrl,
        DATA_DIR: join(dataDir, name),
        TOPIC_PREFIX: topics.prefix,
        // Its own principal where the run knows its password (the local stack); the tests' elsewhere.
        ...(passwords[name] ? { KAFKA_SASL_USERNAME: name, KAFKA_SASL_PASSWORD: passwords[name] } : {}),
        // And reads schemas as its own client (read-only), where the run knows its secret.
        ...(knownClientSecret(name)
          ? { SCHEMA_REGISTRY_USERNAME: name, SCHEMA_REGISTRY_PASSWORD: knownClientSecret(name) }
          : {}),
        // Where billing's links point, and where mailing fetches invoice PDFs: this billing.
        ...(name === 'billing' ? { PUBLIC_URL: url.billing } : {}),
        ...(name === 'mailing' && url.billing ? { BILLING_URL: url.billing } : {}),
        // Mailing fetches those PDFs as an OAuth 2.0 client: here the tests' own.
        ...(name === 'mailing'
          ? { OIDC_CLIENT_ID: testClient().clientId, OIDC_CLIENT_SECRET: testClient().clientSecret }
          : {}),
        // And logs in to the SMTP server.
        ...(name === 'mailing' ? testSmtpEnv() : {}),
        ...env[name],
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const launch = (name: ServiceName, replica = 0): void => {
    const instance = instanceOf(name, replica);
    const child = spawnService(name, ports.get(instance) ?? 0);
    const keep = (chunk: Buffer): void => void logs.get(instance)?.push(chunk.toString());
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.set(instance, child);
    launchedAt.set(instance, performance.now());
  };
  const logOf = (name: ServiceName, replica = 0): string =>
    (logs.get(instanceOf(name, replica)) ?? []).join('');
  /** Waits until a process answers ready; fails with its output if it exits first or takes 90 s. */
  const ready = async (name: ServiceName, replica = 0): Promise<void> => {
    const instance = instanceOf(name, replica);
    const child = children.get(instance);
    let onExit: (() => void) | undefined;
    const exitedFirst = new Promise<never>((_, fail) => {
      onExit = () =>
        fail(
          new Error(
            `${instance} exited (code ${child?.exitCode}, signal ${child?.signalCode}) before it was ready; its output:\n${logOf(name, replica).slice(-2000)}`,
          ),
        );
      child?.once('exit', onExit);
    });
    const answered = waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${ports.get(instance)}/health/ready`).catch(() => undefined))?.ok
          ? true
          : undefined,
      { description: `${instance} to be ready`, timeoutMs: 90_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; its output:\n${logOf(name, replica).slice(-2000)}`);
    });
    try {
      await Promise.race([answered, exitedFirst]);
    } finally {
      if (onExit) child?.off('exit', onExit);
    }
    startupMs[instance] = Math.round(performance.now() - (launchedAt.get(instance) ?? 0));
  };

  for (const { name, replica } of instances) {
    const port = await freePort();
    ports.set(instanceOf(name, replica), port);
    logs.set(instanceOf(name, replica), []);
    (urls[name] ??= []).push(`http://127.0.0.1:${port}`);
    url[name] ??= `http://127.0.0.1:${port}`;
  }
  if (options.oneAtATime) {
    for (const { name, replica } of instances) {
      launch(name, replica);
      await ready(name, replica);
    }
  } else {
    for (const { name, replica } of instances) launch(name, replica);
    for (const { name, replica } of instances) await ready(name, replica);
  }

  return {
    topics,
    dataDir,
    url,
    urls,
    async call(name, method, path, body, headers = {}) {
      const response = await fetch(`${url[name]}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          Authorization: `Bearer ${await accessToken(scopesOf(name))}`,
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
      };
    },
    async kill(name, replica) {
      const child = children.get(instanceOf(name, replica));
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    async shutdown(name, replica) {
      const child = children.get(instanceOf(name, replica));
      if (!child) return;
      child.kill('SIGTERM');
      await exited(child);
    },
    async caughtUp(name, logical) {
      const { kafka, names } = topics.messaging;
      const admin = kafka.admin();
      await admin.connect();
      try {
        await waitFor(
          async () => {
            const physical = logical.map((t) => names.physical(t));
            const committed = await admin.fetchOffsets({ groupId: names.group(name), topics: physical });
            for (const topic of physical) {
              const ends = await admin.fetchTopicOffsets(topic);
              const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
              const behind = ends.some(
                (end) =>
                  end.high !== end.low &&
                  Number(done.find((p) => p.partition === end.partition)?.offset ?? -1) < Number(end.high),
              );
              if (behind) return undefined;
            }
            return true;
          },
          { description: `${name} to handle every record of ${logical.join(', ')}`, timeoutMs: 60_000 },
        );
      } finally {
        await admin.disconnect();
      }
    },
    async rewind(name, logical) {
      // One member that joins the group and commits each partition's first offset: kafkajs's
      // admin.resetOffsets joins once per topic and waits out a fetch each time.
      const { kafka, names } = topics.messaging;
      const physical = logical.map((t) => names.physical(t));
      const admin = kafka.admin();
      await admin.connect();
      const starts = (
        await Promise.all(
          physical.map(async (topic) =>
            (await admin.fetchTopicOffsets(topic)).map((p) => ({
              topic,
              partition: p.partition,
              offset: p.low,
            })),
          ),
        )
      ).flat();
      await admin.disconnect();
      const member = kafka.consumer({ groupId: names.group(name), maxWaitTimeInMs: 100 });
      await member.connect();
      try {
        await member.subscribe({ topics: physical, fromBeginning: true });
        const joined = new Promise<void>((done) => member.on(member.events.GROUP_JOIN, () => done()));
        await member.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
        await joined;
        await member.commitOffsets(starts);
      } finally {
        await member.disconnect();
      }
    },
    async restart(name, replica) {
      launch(name, replica);
      await ready(name, replica);
    },
    async second(name) {
      const child = spawnService(name, await freePort());
      const output: string[] = [];
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited(child);
      clearTimeout(timer);
      return { code: child.exitCode, output: output.join('') };
    },
    log: logOf,
    pid: (name, replica) => children.get(instanceOf(name, replica))?.pid,
    startupMs,
    async stop() {
      await Promise.all(
        [...children.values()].map(async (child) => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited(child);
        }),
      );
      await topics.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

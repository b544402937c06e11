import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_ARGS, serviceGlibcTunables } from '@switchboard/config';
import { signInToConsole, stackPaths, userPasswordFile, writeScrapeTargets } from '@switchboard/stack';
import { knownClientSecret, stackEndpoints, testKafka, waitFor } from '@switchboard/testing';
import type { Browser, Page } from 'playwright-core';
import type { System } from './system.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The port the identity provider's console client lets the tests' console sign in on. */
export const TEST_CONSOLE_PORT = 3100;

export interface RunningConsole {
  readonly url: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * The console as a real process, built from source, watching this system: its services' APIs,
 * its topics (prefix), as its own Kafka principal and registry client, signing people in at the
 * stack's identity provider; Prometheus scrapes the system's services meanwhile.
 */
export async function startConsole(system: System): Promise<RunningConsole> {
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', join(ROOT, 'services', 'console')], { stdio: 'inherit' });
  const endpoints = stackEndpoints();
  const secret = knownClientSecret('console');
  const password = testKafka().principals.console;
  if (!secret || !password)
    throw new Error("the console's client secret and Kafka password are known on the local stack only");
  const url = `http://127.0.0.1:${TEST_CONSOLE_PORT}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...SERVICE_NODE_ARGS, join(ROOT, 'services', 'console', 'dist', 'main.js')],
    {
      cwd: join(ROOT, 'services', 'console'),
      env: {
        ...process.env,
        ...serviceGlibcTunables(),
        HOST: '127.0.0.1',
        PORT: String(TEST_CONSOLE_PORT),
        CONSOLE_PUBLIC_URL: url,
        KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        KAFKA_SASL_USERNAME: 'console',
        KAFKA_SASL_PASSWORD: password,
        SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
        SCHEMA_REGISTRY_USERNAME: 'console',
        SCHEMA_REGISTRY_PASSWORD: secret,
        OIDC_ISSUER_URL: endpoints.oidcIssuerUrl,
        OIDC_CLIENT_ID: 'console',
        OIDC_CLIENT_SECRET: secret,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.otlpHttpUrl,
        JAEGER_QUERY_URL: endpoints.jaegerQueryUrl,
        PROMETHEUS_URL: endpoints.prometheusUrl,
        DATA_DIR: join(system.dataDir, 'console'),
        TOPIC_PREFIX: system.topics.prefix,
        ORDERS_URL: system.url.orders,
        CONFERENCE_BRIDGE_URL: system.url['conference-bridge'],
        BILLING_URL: system.url.billing,
        CRM_URL: system.url.crm,
        MAILING_URL: system.url.mailing,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer): void => void output.push(chunk.toString());
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const targets = `e2e-${system.topics.prefix.replace(/[^a-z0-9]/g, '')}`;
  await writeScrapeTargets(
    stackPaths(),
    targets,
    Object.entries(system.url).map(([service, address]) => ({ service, address: new URL(address).host })),
  );
  try {
    await waitFor(
      async () => ((await fetch(`${url}/health/ready`).catch(() => undefined))?.ok ? true : undefined),
      { description: 'the console to be ready', timeoutMs: 60_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    await writeScrapeTargets(stackPaths(), targets, []);
    throw new Error(`${(error as Error).message}; its log:\n${output.join('').slice(-3000)}`, {
      cause: error,
    });
  }
  return {
    url,
    log: () => output.join(''),
    async stop() {
      await writeScrapeTargets(stackPaths(), targets, []);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** A local user's password (the stack generated it). */
export const passwordOf = (user: 'operator' | 'observer' | 'auditor'): string =>
  readFileSync(userPasswordFile(user), 'utf8').trim();

/** Opens the console as `user`, through the identity provider's sign-in form. */
export const signIn = (
  browser: Browser,
  consoleUrl: string,
  user: 'operator' | 'observer' | 'auditor',
): Promise<Page> => signInToConsole(browser, consoleUrl, user, passwordOf(user));

#!/usr/bin/env node
/**
 * `pnpm stack up | down | status | logs [component...]` — the local infrastructure without Docker.
 */
import { spawn } from 'node:child_process';
import { tokenUrlOf } from '@switchboard/config';
import { join } from 'node:path';
import type { ComponentName } from './component.ts';
import { kafkaCaFile, LOCAL_KAFKA_TLS_BROKER } from './components/kafka.ts';
import { ENDPOINT_ENV, resolveEndpoints, withoutPassword } from './endpoints.ts';
import { StackError } from './errors.ts';
import { stackPaths } from './paths.ts';
import { clientSecretFile, secretsDir, userPasswordFile } from './secrets.ts';
import { SERVICES, servicesDown, servicesUp } from './services.ts';
import { COMPONENTS, componentState, down, fetchArtifacts, logFile, up } from './stack.ts';
import { exists } from './artifacts.ts';
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';

const USAGE = `usage: pnpm stack <command> [component...]

commands:
  up       fetch what is missing, start every stopped server, wait until all are healthy
  down     stop the stack's servers and wait until they are gone
  fetch    fetch or build what is missing into the cache, start nothing
  status   show each server's state and endpoint (exit 1 when one is not running)
  logs     print the last lines of each server's log (-f to follow)
  services up|down   start (built) ${SERVICES.map((s) => s.name).join(', ')} and wait until ready, or stop them

components: ${COMPONENTS.map((c) => c.name).join(', ')} (default: all)`;

const print = (line: string): void => console.log(line);

silenceKafkajsTimerWarning();
// `pnpm stack status | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

function parseComponents(args: readonly string[]): ComponentName[] | undefined {
  const names = args.filter((a) => !a.startsWith('-'));
  if (names.length === 0) return undefined;
  const known = new Set<string>(COMPONENTS.map((c) => c.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new StackError(`unknown component ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  }
  return names as ComponentName[];
}

function printEndpoints(): void {
  const endpoints = resolveEndpoints();
  const rows: [string, string, string][] = [
    ['Kafka bootstrap (SASL)', endpoints.kafkaBrokers.join(','), ENDPOINT_ENV.kafkaBrokers],
    ['Schema registry (Confluent API)', endpoints.schemaRegistryUrl, ENDPOINT_ENV.schemaRegistryUrl],
    ['OTLP/HTTP (traces in)', endpoints.otlpHttpUrl, ENDPOINT_ENV.otlpHttpUrl],
    ['Jaeger query API', endpoints.jaegerQueryUrl, ENDPOINT_ENV.jaegerQueryUrl],
    ['SMTP', endpoints.smtpUrl, ENDPOINT_ENV.smtpUrl],
    ['Mail web UI and API', endpoints.mailApiUrl, ENDPOINT_ENV.mailApiUrl],
    ['PostgreSQL (admin)', withoutPassword(endpoints.postgresUrl), ENDPOINT_ENV.postgresUrl],
    ['OpenID Connect issuer', endpoints.oidcIssuerUrl, ENDPOINT_ENV.oidcIssuerUrl],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  print('\nEndpoints (override with the variable on the right):');
  for (const [label, url, variable] of rows) print(`  ${label.padEnd(width)}  ${url}  (${variable})`);
  if ((process.env[ENDPOINT_ENV.kafkaBrokers] ?? '').trim() === '') {
    print(
      `\nKafka: SASL_PLAINTEXT on ${endpoints.kafkaBrokers.join(',')}, SASL_SSL on ${LOCAL_KAFKA_TLS_BROKER} (certificate ${kafkaCaFile(stackPaths())}), SCRAM-SHA-512;` +
        `\n  each principal's password (generated): ${join(secretsDir(), 'kafka-principals')}/<principal>`,
    );
  }
  if ((process.env[ENDPOINT_ENV.oidcIssuerUrl] ?? '').trim() === '') {
    print(
      `\nOIDC client secrets (generated, one file per client): ${join(secretsDir(), 'oidc-clients')}/<client id>` +
        '\n  the schema registry takes them as HTTP basic credentials (<client id>:<secret>)',
    );
  }
  if ((process.env[ENDPOINT_ENV.postgresUrl] ?? '').trim() === '') {
    print(
      `\nPostgreSQL: each service database belongs to a role of its name; its password (generated): ${join(secretsDir(), 'postgres-roles')}/<database>`,
    );
  }
}

async function status(only: ComponentName[] | undefined): Promise<number> {
  const paths = stackPaths();
  let allUp = true;
  for (const component of COMPONENTS.filter((c) => !only || only.includes(c.name))) {
    const state = await componentState(component, paths);
    let text: string;
    switch (state.kind) {
      case 'external':
        text = `external (${state.variable})`;
        break;
      case 'running':
        text = `${state.healthy ? 'running' : 'running, not healthy yet'} (pid ${state.pids.join(', ')})`;
        allUp &&= state.healthy;
        break;
      case 'stopped':
        text = 'stopped';
        allUp = false;
        break;
      case 'foreign':
        text = `stopped; port ${state.port} is held by ${state.holder}`;
        allUp = false;
        break;
    }
    print(`  ${component.name.padEnd(8)}  ${text.padEnd(34)}  ${component.title}`);
  }
  printEndpoints();
  return allUp ? 0 : 1;
}

async function logs(only: ComponentName[] | undefined, follow: boolean): Promise<number> {
  const paths = stackPaths();
  const files: string[] = [];
  for (const component of COMPONENTS.filter((c) => !only || only.includes(c.name))) {
    const file = logFile(paths, component.name);
    if (await exists(file)) files.push(file);
  }
  if (files.length === 0) {
    print(`no logs yet in ${paths.logs}`);
    return 0;
  }
  const child = spawn('tail', ['-n', '40', ...(follow ? ['-F'] : []), ...files], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('close', (code) => resolve(code ?? 0)));
}

/** `stack services up|down`: the services the run command starts, beside the stack. */
async function services(action: string | undefined): Promise<number> {
  const paths = stackPaths();
  if (action === 'down') {
    await servicesDown(paths, print);
    return 0;
  }
  if (action !== 'up') throw new StackError('usage: pnpm stack services up|down');
  const states = await servicesUp(paths, print);
  print('\nServices (ready):');
  for (const { name, url } of states)
    if (name !== 'console') print(`  ${name.padEnd(18)} ${url}  (API docs ${url}/docs)`);
  const consoleUrl = states.find((s) => s.name === 'console')?.url;
  if (consoleUrl) {
    print(`\nFlow console: ${consoleUrl}/`);
    print(`  sign in as operator, with the password in ${userPasswordFile('operator', paths)}`);
    print(`  (observer may not replay; auditor also sees personal data; their passwords are beside it)`);
  }
  print("\nEvery API needs a bearer token; the operator's (every scope), for example:");
  print(
    `  curl -s -d grant_type=client_credentials -d client_id=operator --data-urlencode client_secret@${clientSecretFile('operator', paths)} ${tokenUrlOf(resolveEndpoints().oidcIssuerUrl)}`,
  );
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'services') return services(rest[0]);
  const only = parseComponents(rest);
  switch (command) {
    case 'up': {
      print(`Starting the local stack (state and cache in ${stackPaths().home})`);
      const { started } = await up({ log: print, only });
      print(
        started.length > 0
          ? `Started: ${started.join(', ')}`
          : 'Everything was already running; nothing started.',
      );
      printEndpoints();
      return 0;
    }
    case 'down': {
      print('Stopping the local stack');
      await down({ log: print, only });
      return 0;
    }
    case 'fetch':
      await fetchArtifacts({ log: print, only });
      return 0;
    case 'status':
      return status(only);
    case 'logs':
      return logs(only, rest.includes('-f') || rest.includes('--follow'));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      print(USAGE);
      return command === undefined ? 1 : 0;
    default:
      throw new StackError(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof StackError) {
      console.error(`stack: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);

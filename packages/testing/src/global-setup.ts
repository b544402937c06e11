import type { TestProject } from 'vitest/node';
import { readFile } from 'node:fs/promises';
import { kafkaSecurityFromEnv, tokenUrlOf } from '@switchboard/config';
import {
  down,
  KAFKA_TEST_PRINCIPAL,
  kafkaCaFile,
  kafkaPasswordFile,
  LOCAL_KAFKA_TLS_BROKER,
  readClientSecret,
  realmClientIds,
  SMTP_USER,
  smtpCaFile,
  smtpPasswordFile,
  resolveEndpoints,
  stackKafkaPrincipals,
  stackPaths,
  type StackEndpoints,
  up,
} from '@switchboard/stack';
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { containersAvailable, startContainers } from './containers.ts';
import type { TestKafka } from './kafka.ts';
import type { TestSmtp } from './smtp.ts';
import { IDENTITY_KEY, KAFKA_KEY, SMTP_KEY, STACK_KEY } from './stack-key.ts';
import type { TestIdentity } from './tokens.ts';

function provideStack(
  project: TestProject,
  endpoints: StackEndpoints,
  client: TestIdentity,
  kafka: TestKafka,
  smtp: TestSmtp,
): void {
  (project.provide as (key: string, value: unknown) => void)(STACK_KEY, endpoints);
  (project.provide as (key: string, value: unknown) => void)(IDENTITY_KEY, client);
  (project.provide as (key: string, value: unknown) => void)(KAFKA_KEY, kafka);
  (project.provide as (key: string, value: unknown) => void)(SMTP_KEY, smtp);
}

/**
 * The tests' SMTP login: where the server is another deployment (`SMTP_URL`), SMTP_USERNAME,
 * SMTP_PASSWORD and SMTP_CA_FILE as given; on the local stack, its one user and its certificate.
 */
async function testSmtpOf(): Promise<TestSmtp> {
  const env = process.env;
  if (env.SMTP_URL?.trim())
    return { username: env.SMTP_USERNAME, password: env.SMTP_PASSWORD, caFile: env.SMTP_CA_FILE };
  const paths = stackPaths();
  return {
    username: SMTP_USER,
    password: (await readFile(smtpPasswordFile(paths), 'utf8')).trim(),
    caFile: smtpCaFile(paths),
  };
}

/**
 * The tests' Kafka principal: where Kafka is another deployment (`KAFKA_BROKERS`), the one the
 * KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* variables name (default `switchboard-tests`); on the local
 * stack, `switchboard-tests` with every principal's password and the TLS listener.
 */
async function testKafkaOf(): Promise<TestKafka> {
  const external = process.env.KAFKA_BROKERS?.trim();
  const principals: Record<string, string> = {};
  if (!external) {
    const paths = stackPaths();
    for (const principal of stackKafkaPrincipals())
      principals[principal] = (await readFile(kafkaPasswordFile(principal, paths), 'utf8')).trim();
  }
  const security = external
    ? kafkaSecurityFromEnv(KAFKA_TEST_PRINCIPAL)
    : kafkaSecurityFromEnv(KAFKA_TEST_PRINCIPAL, { KAFKA_SASL_PASSWORD: principals[KAFKA_TEST_PRINCIPAL] });
  return {
    protocol: security.protocol,
    ...(security.sasl && {
      mechanism: security.sasl.mechanism,
      username: security.sasl.username,
      password: security.sasl.password,
    }),
    principals,
    ...(!external && { tls: { brokers: [LOCAL_KAFKA_TLS_BROKER], caFile: kafkaCaFile(stackPaths()) } }),
  };
}

/**
 * The tests' clients of the identity provider: where it is another deployment (`OIDC_ISSUER_URL`),
 * `TEST_OIDC_CLIENT_ID` and `TEST_OIDC_CLIENT_SECRET`; on the local stack, every client of its
 * realm with the secrets it generated, the tests' own being `switchboard-tests`.
 */
async function testIdentityOf(endpoints: StackEndpoints): Promise<TestIdentity> {
  const tokenUrl = process.env.OIDC_TOKEN_URL?.trim() || tokenUrlOf(endpoints.oidcIssuerUrl);
  const externalId = process.env.TEST_OIDC_CLIENT_ID?.trim();
  if (process.env.OIDC_ISSUER_URL?.trim() && externalId) {
    const secret = process.env.TEST_OIDC_CLIENT_SECRET?.trim() ?? '';
    return { tokenUrl, clientId: externalId, secrets: { [externalId]: secret } };
  }
  const ids = await realmClientIds();
  const secrets = Object.fromEntries(
    await Promise.all(ids.map(async (id) => [id, await readClientSecret(id)] as const)),
  );
  return { tokenUrl, clientId: 'switchboard-tests', secrets };
}

const say = (line: string): void => {
  process.stderr.write(`[stack] ${line.trim()}\n`);
};

/**
 * Vitest global setup for integration tests: provides real infrastructure to every test file.
 *
 * - With a reachable Docker engine it starts throwaway containers (testcontainers).
 * - Without one it uses the local stack, starting only the servers that are not running yet and
 *   stopping, at the end, only those it started.
 *
 * `SWITCHBOARD_TEST_STACK=local|containers` forces one of the two; endpoint variables such as
 * `KAFKA_BROKERS` point a component at an existing deployment, which is then used as it is.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  silenceKafkajsTimerWarning();
  const forced = process.env.SWITCHBOARD_TEST_STACK;
  const useContainers = forced === 'containers' || (forced !== 'local' && (await containersAvailable()));

  if (useContainers) {
    say('Docker engine found: starting the infrastructure with testcontainers');
    const containers = await startContainers(say);
    // The containers' broker and SMTP server take anyone: no SASL, no authorizer, no login.
    provideStack(
      project,
      containers.endpoints,
      containers.identity,
      { protocol: 'PLAINTEXT', principals: {} },
      {},
    );
    return containers.stop;
  }

  say('no Docker engine: using the local stack (pnpm stack)');
  const { started } = await up({ log: say });
  const endpoints = resolveEndpoints();
  provideStack(project, endpoints, await testIdentityOf(endpoints), await testKafkaOf(), await testSmtpOf());
  return async () => {
    if (started.length === 0) return;
    say(`stopping what this run started: ${started.join(', ')}`);
    await down({ only: started, log: say });
  };
}

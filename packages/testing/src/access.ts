import { readFile } from 'node:fs/promises';
import { kafkaSecurityFromEnv, tokenUrlOf } from '@switchboard/config';
import {
  KAFKA_TEST_PRINCIPAL,
  kafkaCaFile,
  kafkaPasswordFile,
  LOCAL_KAFKA_TLS_BROKER,
  readClientSecret,
  realmClientIds,
  SMTP_USER,
  smtpCaFile,
  smtpPasswordFile,
  stackKafkaPrincipals,
  stackPaths,
  type StackEndpoints,
} from '@switchboard/stack';
import { type TestKafka, testKafkaEnv } from './kafka.ts';
import type { TestSmtp } from './smtp.ts';
import type { TestIdentity } from './tokens.ts';

/**
 * The tests' SMTP login: where the server is another deployment (`SMTP_URL`), SMTP_USERNAME,
 * SMTP_PASSWORD and SMTP_CA_FILE as given; on the local stack, its one user and its certificate.
 */
export async function testSmtpOf(): Promise<TestSmtp> {
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
export async function testKafkaOf(): Promise<TestKafka> {
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
export async function testIdentityOf(endpoints: StackEndpoints): Promise<TestIdentity> {
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

/**
 * Makes every Kafka client this process builds from the environment the tests' principal, and
 * every registry client the tests' own OAuth 2.0 client (sr-admin) where the registry is the local
 * stack's; another registry's credentials come from the run's SCHEMA_REGISTRY_* variables.
 */
export function useTestCredentials(kafka: TestKafka | undefined, identity: TestIdentity | undefined): void {
  if (kafka) {
    delete process.env.KAFKA_SASL_PASSWORD_FILE;
    Object.assign(process.env, testKafkaEnv(kafka));
  }
  const secret = identity?.secrets[identity.clientId];
  if (identity && secret && !process.env.SCHEMA_REGISTRY_URL?.trim()) {
    delete process.env.SCHEMA_REGISTRY_PASSWORD_FILE;
    Object.assign(process.env, {
      SCHEMA_REGISTRY_USERNAME: identity.clientId,
      SCHEMA_REGISTRY_PASSWORD: secret,
    });
  }
}

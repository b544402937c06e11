import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { KafkaContainer } from '@testcontainers/kafka';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from 'testcontainers';
import {
  LOCAL_ENDPOINTS,
  realmClientIds,
  realmFile,
  secretVariable,
  type StackEndpoints,
} from '@switchboard/stack';
import { tokenUrlOf } from '@switchboard/config';
import type { TestIdentity } from './tokens.ts';

/** True when testcontainers can reach a Docker (or compatible) engine. */
export async function containersAvailable(): Promise<boolean> {
  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timeout')), 10_000).unref(),
    );
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  }
}

/** The script that creates the service databases, as docker compose runs it. */
const POSTGRES_INIT = join(import.meta.dirname, '..', '..', '..', 'infra', 'postgres', 'init.sql');

/** A fresh secret for every client of the realm the local stack applies, by client id. */
async function realmSecrets(): Promise<Record<string, string>> {
  const ids = await realmClientIds();
  return Object.fromEntries(ids.map((id) => [id, randomBytes(24).toString('base64url')]));
}

/** The same servers as the local stack, from their official images, on random host ports. */
export async function startContainers(
  say: (line: string) => void,
): Promise<{ endpoints: StackEndpoints; identity: TestIdentity; stop: () => Promise<void> }> {
  const secrets = await realmSecrets();
  const started: StartedTestContainer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((c) => c.stop()));
  };
  try {
    const results = await Promise.allSettled([
      new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start(),
      new GenericContainer('apicurio/apicurio-registry:3.3.3')
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
        .start(),
      new GenericContainer('jaegertracing/jaeger:2.13.0')
        .withExposedPorts(4318, 16686)
        .withWaitStrategy(Wait.forHttp('/api/services', 16686))
        .start(),
      new GenericContainer('maildev/maildev:2.2.1')
        .withExposedPorts(1025, 1080)
        .withWaitStrategy(Wait.forHttp('/healthz', 1080))
        .start(),
      new GenericContainer('postgres:17.6-bookworm')
        .withEnvironment({ POSTGRES_USER: 'switchboard', POSTGRES_PASSWORD: 'switchboard' })
        .withCopyFilesToContainer([{ source: POSTGRES_INIT, target: '/docker-entrypoint-initdb.d/init.sql' }])
        .withExposedPorts(5432)
        // The image starts a server for its init scripts, stops it and starts the real one.
        .withWaitStrategy(Wait.forLogMessage('database system is ready to accept connections', 2))
        .start(),
      new GenericContainer('quay.io/keycloak/keycloak:26.4.0')
        .withEnvironment(
          Object.fromEntries(Object.entries(secrets).map(([id, secret]) => [secretVariable(id), secret])),
        )
        .withCopyFilesToContainer([
          { source: realmFile(), target: '/opt/keycloak/data/import/switchboard-realm.json' },
        ])
        .withCommand(['start-dev', '--import-realm'])
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forHttp('/realms/switchboard/.well-known/openid-configuration', 8080))
        .withStartupTimeout(180_000)
        .start(),
    ]);
    for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [kafka, registry, jaeger, mail, postgres, keycloak] = started as [
      StartedTestContainer,
      StartedTestContainer,
      StartedTestContainer,
      StartedTestContainer,
      StartedTestContainer,
      StartedTestContainer,
    ];
    const url = (c: StartedTestContainer, port: number): string =>
      `http://${c.getHost()}:${c.getMappedPort(port)}`;
    const endpoints: StackEndpoints = {
      kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      schemaRegistryUrl: `${url(registry, 8080)}/apis/ccompat/v7`,
      otlpHttpUrl: url(jaeger, 4318),
      jaegerQueryUrl: url(jaeger, 16686),
      smtpUrl: `smtp://${mail.getHost()}:${mail.getMappedPort(1025)}`,
      mailApiUrl: url(mail, 1080),
      postgresUrl: `postgres://switchboard:switchboard@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
      oidcIssuerUrl: `${url(keycloak, 8080)}/realms/switchboard`,
      // No Prometheus container: the tests that read Prometheus need the local stack's.
      prometheusUrl: LOCAL_ENDPOINTS.prometheusUrl,
    };
    const identity: TestIdentity = {
      tokenUrl: tokenUrlOf(endpoints.oidcIssuerUrl),
      clientId: 'switchboard-tests',
      secrets,
    };
    // As on the local stack: every subject must stay BACKWARD-compatible.
    const response = await fetch(`${endpoints.schemaRegistryUrl}/config`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    if (!response.ok) throw new Error(`setting registry compatibility failed: HTTP ${response.status}`);
    say(
      `containers ready: Kafka ${endpoints.kafkaBrokers.join(',')}, registry ${endpoints.schemaRegistryUrl}`,
    );
    return { endpoints, identity, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

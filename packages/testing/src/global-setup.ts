import type { TestProject } from 'vitest/node';
import { down, resolveEndpoints, type StackEndpoints, up } from '@switchboard/stack';
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { testIdentityOf, testKafkaOf, testSmtpOf } from './access.ts';
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

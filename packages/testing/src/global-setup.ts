import type { TestProject } from 'vitest/node';
import { tokenUrlOf } from '@switchboard/config';
import {
  down,
  readClientSecret,
  realmClientIds,
  resolveEndpoints,
  type StackEndpoints,
  up,
} from '@switchboard/stack';
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { containersAvailable, startContainers } from './containers.ts';
import { IDENTITY_KEY, STACK_KEY } from './stack-key.ts';
import type { TestIdentity } from './tokens.ts';

function provideStack(project: TestProject, endpoints: StackEndpoints, client: TestIdentity): void {
  (project.provide as (key: string, value: unknown) => void)(STACK_KEY, endpoints);
  (project.provide as (key: string, value: unknown) => void)(IDENTITY_KEY, client);
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
    provideStack(project, containers.endpoints, containers.identity);
    return containers.stop;
  }

  say('no Docker engine: using the local stack (pnpm stack)');
  const { started } = await up({ log: say });
  const endpoints = resolveEndpoints();
  provideStack(project, endpoints, await testIdentityOf(endpoints));
  return async () => {
    if (started.length === 0) return;
    say(`stopping what this run started: ${started.join(', ')}`);
    await down({ only: started, log: say });
  };
}

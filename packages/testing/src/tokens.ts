import { type ScopeName } from '@switchboard/contracts';
import { ClientCredentials, type ClientCredentialsOptions } from '@switchboard/config';
import { providedValue } from './provided.ts';
import { IDENTITY_KEY } from './stack-key.ts';

/** The clients of the identity provider the tests may get tokens as (provided by the global setup). */
export interface TestIdentity {
  readonly tokenUrl: string;
  /** The tests' own client: every scope on request, none by default. */
  readonly clientId: string;
  /** Secrets by client id: the tests' client, and on the local stack every client of its realm. */
  readonly secrets: Readonly<Record<string, string>>;
}

function identity(): TestIdentity {
  const provided = providedValue<TestIdentity>(IDENTITY_KEY);
  if (!provided) throw new Error('test clients are only available in integration tests (*.int-spec.ts)');
  return provided;
}

/** The credentials of a client (the tests' own by default), e.g. for a service under test. */
export function testClient(clientId: string = identity().clientId): ClientCredentialsOptions {
  const { tokenUrl, secrets } = identity();
  const clientSecret = secrets[clientId];
  if (clientSecret === undefined)
    throw new Error(
      `no secret of client ${clientId} is known to the tests: the local stack provides every client's, another provider only TEST_OIDC_CLIENT_ID's`,
    );
  return { tokenUrl, clientId, clientSecret };
}

/** A client's secret where the run knows it (every client of the local stack's realm), else undefined. */
export function knownClientSecret(clientId: string): string | undefined {
  return identity().secrets[clientId];
}

const clients = new Map<string, ClientCredentials>();

/**
 * A real access token from the identity provider, of the tests' client carrying exactly `scopes`
 * (and the audiences they bring), or of another client with its default scopes when `clientId` is
 * given (a producer system's, say).
 */
export async function accessToken(scopes: readonly ScopeName[], clientId?: string): Promise<string> {
  const credentials = testClient(clientId);
  let client = clients.get(credentials.clientId);
  if (!client) {
    client = new ClientCredentials(credentials);
    clients.set(credentials.clientId, client);
  }
  return client.token(scopes);
}

/** A fresh token of a client, never from a cache (e.g. of a short-lived client, to see it expire). */
export async function freshAccessToken(scopes: readonly ScopeName[], clientId?: string): Promise<string> {
  return new ClientCredentials(testClient(clientId)).token(scopes);
}

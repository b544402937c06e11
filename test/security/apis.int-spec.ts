import { generateKeyPair, SignJWT, decodeProtectedHeader } from 'jose';
import { type ScopeName, type ServiceName } from '@switchboard/contracts';
import { type ServiceDefinition } from '@switchboard/service';
import {
  accessToken,
  createTestTopics,
  freshAccessToken,
  stackEndpoints,
  startTestService,
  type TestService,
  type TestTopics,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES_UNDER_TEST } from '../support/services.ts';

/** Per service: a read route, the scope it needs, and a scope of the same API that is not it. */
interface Probe {
  readonly definition: ServiceDefinition;
  readonly path: string;
  readonly scope: ScopeName;
  readonly otherScope: ScopeName;
  /** A scope of another service only: its tokens are not meant for this one. */
  readonly foreignScope: ScopeName;
  readonly config?: () => Record<string, unknown>;
}

const PROBES: readonly Probe[] = [
  {
    ...SERVICES_UNDER_TEST.crm,
    path: '/v1/customers',
    scope: 'crm.customers:read',
    otherScope: 'crm.customers:write',
    foreignScope: 'orders:read',
  },
  {
    ...SERVICES_UNDER_TEST.orders,
    path: '/v1/orders',
    scope: 'orders:read',
    otherScope: 'orders:write',
    foreignScope: 'crm.customers:read',
  },
  {
    ...SERVICES_UNDER_TEST['conference-bridge'],
    path: '/v1/reservations?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
    scope: 'bridge.reservations:read',
    otherScope: 'bridge.calls:write',
    foreignScope: 'billing.invoices:read',
  },
  {
    ...SERVICES_UNDER_TEST.billing,
    path: '/v1/invoices',
    scope: 'billing.invoices:read',
    otherScope: 'billing.periods:close',
    foreignScope: 'mailing.campaigns:read',
  },
  {
    ...SERVICES_UNDER_TEST.mailing,
    path: '/v1/campaigns',
    scope: 'mailing.campaigns:read',
    otherScope: 'mailing.campaigns:write',
    foreignScope: 'bridge.reservations:read',
  },
];

/** Each API's read routes allow this many requests a minute per client here, so a burst goes beyond. */
const READ_LIMIT = 30;

async function problemOf(response: Response): Promise<{ status: number; code?: string; detail?: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { status: number; code?: string; detail?: string };
}

describe.each(PROBES)('the API of $definition.name', (probe) => {
  const name: ServiceName = probe.definition.name;
  let topics: TestTopics;
  let service: TestService;
  const get = (token: string | null, path: string = probe.path) => service.request(path, { token });

  beforeAll(async () => {
    topics = await createTestTopics();
    service = await startTestService(probe.definition, {
      topics,
      ...(probe.config ? { config: probe.config() } : {}),
      security: {
        rateLimits: { read: READ_LIMIT, write: READ_LIMIT, bulk: READ_LIMIT },
        clockToleranceSeconds: 0,
      },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await topics?.cleanup();
  });

  it('answers 401 with a Bearer challenge when no token is sent', async () => {
    const response = await get(null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${name}"`);
    expect(await problemOf(response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('answers 401 invalid_token to a token meant for another service', async () => {
    const response = await get(await accessToken([probe.foreignScope]));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await problemOf(response)).detail).toBe(`the token is not meant for ${name}`);
  });

  it('answers 401 to an expired token', async () => {
    const token = await freshAccessToken([probe.scope], 'switchboard-tests-short-lived');
    // Its lifetime is one second; the service allows no clock skew here.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const response = await get(token);
    expect(response.status).toBe(401);
    expect((await problemOf(response)).detail).toBe('the token has expired');
  });

  it('answers 401 to a token it cannot trust: forged with the issuer key id, or signed by another key', async () => {
    const genuine = await accessToken([probe.scope]);
    const { kid } = decodeProtectedHeader(genuine);
    const { privateKey } = await generateKeyPair('RS256');
    const forge = (keyId: string) =>
      new SignJWT({ scope: probe.scope, client_id: 'intruder' })
        .setProtectedHeader({ alg: 'RS256', kid: keyId })
        .setIssuer(stackEndpoints().oidcIssuerUrl)
        .setAudience(name)
        .setExpirationTime('5m')
        .sign(privateKey);
    for (const token of [await forge(kid ?? ''), await forge('not-a-key-of-the-issuer')]) {
      const response = await get(token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('answers 403 naming the scope to a token of this API without it', async () => {
    const response = await get(await accessToken([probe.otherScope]));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain(`scope="${probe.scope}"`);
    expect(await problemOf(response)).toMatchObject({
      code: 'INSUFFICIENT_SCOPE',
      detail: `the token lacks the scope ${probe.scope}`,
    });
  });

  it('answers 2xx to a token with the scope, keeps /health open, and documents the scope', async () => {
    expect((await get(await accessToken([probe.scope]))).status).toBe(200);
    expect((await get(null, '/health/live')).status).toBe(200);
    const document = (await (await get(null, '/docs/openapi.json')).json()) as {
      components: { securitySchemes: Record<string, { flows: { clientCredentials: { scopes: object } } }> };
      paths: Record<string, Record<string, { security?: { oauth2: string[] }[] }>>;
    };
    const route = probe.path.split('?')[0] ?? '';
    expect(document.paths[route]?.get?.security).toEqual([{ oauth2: [probe.scope] }]);
    expect(document.components.securitySchemes.oauth2?.flows.clientCredentials.scopes).toHaveProperty(
      probe.scope,
    );
  });

  it('answers 400, never 500, to a forged or tampered cursor', async () => {
    const token = await accessToken([probe.scope]);
    const forged = [
      Buffer.from('["not a position", -1]').toString('base64url'),
      Buffer.from('[1e400]').toString('base64url'),
      Buffer.from('{"seq":1}').toString('base64url'),
      '%%%not-base64%%%',
    ];
    for (const cursor of forged) {
      const separator = probe.path.includes('?') ? '&' : '?';
      const response = await get(token, `${probe.path}${separator}cursor=${encodeURIComponent(cursor)}`);
      expect(response.status, cursor).toBe(400);
    }
  });

  it('answers 429 with Retry-After to a client beyond its limit, and other clients still pass', async () => {
    // The operator's client reads nothing else here, so its window starts with this burst.
    const token = await accessToken([], 'operator');
    const answers = [];
    for (let i = 0; i <= READ_LIMIT; i++) answers.push((await get(token)).status);
    expect(answers.slice(0, -1).every((status) => status === 200)).toBe(true);
    const limited = await get(token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await problemOf(limited)).toMatchObject({ code: 'RATE_LIMITED' });
    // The limit is per client: the tests' own client is not held back by the operator's burst.
    expect((await get(await accessToken([probe.scope]))).status).toBe(200);
  });
});

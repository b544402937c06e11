import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { secretsDir } from '@switchboard/stack';
import {
  createTestTopics,
  freshAccessToken,
  stackEndpoints,
  startTestService,
  type TestService,
  type TestTopics,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../services/orders/src/orders.definition.ts';

/** The local stack's Keycloak, as its admin: what an operator rotating keys does in its console. */
async function adminToken(base: string): Promise<string> {
  const password = (await readFile(join(secretsDir(), 'keycloak-admin'), 'utf8')).trim();
  const response = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: 'admin',
      password,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('signing key rotation in the identity provider', () => {
  const issuer = stackEndpoints().oidcIssuerUrl;
  const base = new URL(issuer).origin;
  let topics: TestTopics;
  let service: TestService;
  let admin: string;
  let added: string | undefined;

  beforeAll(async () => {
    topics = await createTestTopics();
    // A short cooldown between two key fetches, so the test need not wait out the default 30 s.
    service = await startTestService(orders, { topics, security: { jwksCooldownMs: 1_000 } });
    admin = await adminToken(base);
  });

  afterAll(async () => {
    if (added)
      await fetch(`${base}/admin/realms/switchboard/components/${added}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${admin}` },
      });
    await service?.stop();
    await topics?.cleanup();
  });

  it('lets the services accept tokens of a new key without a restart', async () => {
    const before = await freshAccessToken(['orders:read']);
    expect((await service.request('/v1/orders', { token: before })).status).toBe(200);

    const realm = (await (
      await fetch(`${base}/admin/realms/switchboard`, { headers: { Authorization: `Bearer ${admin}` } })
    ).json()) as { id: string };
    const created = await fetch(`${base}/admin/realms/switchboard/components`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: `rotated-${Date.now()}`,
        providerId: 'rsa-generated',
        providerType: 'org.keycloak.keys.KeyProvider',
        parentId: realm.id,
        config: {
          priority: ['1000'],
          enabled: ['true'],
          active: ['true'],
          keySize: ['2048'],
          algorithm: ['RS256'],
        },
      }),
    });
    expect(created.status).toBe(201);
    added = created.headers.get('location')?.split('/').at(-1);

    const after = await freshAccessToken(['orders:read']);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await service.request('/v1/orders', { token: after })).status).toBe(200);
  });
});

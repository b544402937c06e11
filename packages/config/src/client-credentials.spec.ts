import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCredentials } from './client-credentials.ts';

describe('ClientCredentials', () => {
  let requests = 0;
  let tokenUrl = '';
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ access_token: `token-${requests}`, expires_in: 300 }));
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('asks the provider once for hundreds of concurrent callers, then answers from its cache', async () => {
    const client = new ClientCredentials({ tokenUrl, clientId: 'mailing', clientSecret: 's' });
    const tokens = await Promise.all(
      Array.from({ length: 500 }, () => client.token(['billing.invoices:read'])),
    );
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(await client.token(['billing.invoices:read'])).toBe('token-1');
    expect(requests).toBe(1);
  });
});

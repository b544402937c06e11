import { createServer, type Server, connect } from 'node:net';
import { schemaOf, TOPICS } from '@switchboard/contracts';
import { stackEndpoints, testRegistryCredentials } from '@switchboard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SchemaRegistryClient } from '../src/registry.ts';

/** A TCP relay on a free loopback port to the real registry, opened only when asked. */
async function laterReachableRegistry(
  target: URL,
): Promise<{ url: string; open: () => Promise<void>; close: () => Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  let server: Server | undefined;
  return {
    url: `http://127.0.0.1:${address.port}${target.pathname}`,
    open: async () => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => server?.listen(address.port, '127.0.0.1', resolve));
    },
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

describe('SchemaRegistryClient start-up', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  it('keeps retrying while the registry is unreachable and registers once it answers', async () => {
    const registry = await laterReachableRegistry(new URL(stackEndpoints().schemaRegistryUrl));
    close = registry.close;
    const client = new SchemaRegistryClient({
      url: registry.url,
      credentials: testRegistryCredentials(),
      unavailableTimeoutMs: 20_000,
    });
    const subject = `startup-${Date.now()}-value`;
    const registering = client.register(subject, schemaOf(TOPICS['orders.order-placed.v1'].schema));
    setTimeout(() => void registry.open(), 1_500);
    expect(await registering).toBeGreaterThan(0);
    await client.deleteSubject(subject, { permanent: true });
  });

  it('gives up after its timeout with an error naming the registry', async () => {
    const registry = await laterReachableRegistry(new URL(stackEndpoints().schemaRegistryUrl));
    const client = new SchemaRegistryClient({
      url: registry.url,
      credentials: testRegistryCredentials(),
      unavailableTimeoutMs: 1_000,
    });
    await expect(client.register('never-value', { type: 'string' })).rejects.toThrow(
      `schema registry ${registry.url} unavailable`,
    );
  });
});

import { onDatabase, withPostgresClient } from '@switchboard/stack';
import {
  createTestDatabase,
  createTestTopics,
  stackEndpoints,
  startTestService,
  type TestDatabase,
  type TestTopics,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../services/orders/src/orders.definition.ts';

describe('a service in production and its database role', () => {
  const admin = stackEndpoints().postgresUrl;
  let topics: TestTopics;
  /** Each owned by a role of its own, as a service's database is deployed. */
  let own: TestDatabase;
  let another: TestDatabase;

  beforeAll(async () => {
    topics = await createTestTopics();
    own = await createTestDatabase(admin, 'orders');
    another = await createTestDatabase(admin, 'billing');
  });

  afterAll(async () => {
    await own?.drop();
    await another?.drop();
    await topics?.cleanup();
  });

  it('refuses to start with a superuser database URL, naming the variable and the role', async () => {
    const user = new URL(admin).username;
    await expect(
      startTestService(orders, {
        topics,
        databaseUrl: onDatabase(admin, own.name),
        config: { production: true },
      }),
    ).rejects.toThrow(
      `DATABASE_URL connects as ${user}, a role that is a superuser: in production (NODE_ENV=production) a service connects as a role of its own that owns only its database`,
    );
  });

  it('starts as a role of its own that owns only its database', async () => {
    const service = await startTestService(orders, {
      topics,
      databaseUrl: own.url,
      config: { production: true },
    });
    try {
      expect((await service.request('/health/ready')).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it("keeps one service's role out of another service's database", async () => {
    const intruder = new URL(another.url);
    intruder.pathname = `/${own.name}`;
    await expect(
      withPostgresClient(intruder.toString(), (client) => client.query('SELECT 1')),
    ).rejects.toThrow(new RegExp(`permission denied for database "?${own.name}"?`));
  });
});

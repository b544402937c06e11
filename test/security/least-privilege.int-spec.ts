import { randomBytes, randomUUID } from 'node:crypto';
import { withPostgresClient } from '@switchboard/stack';
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
  let asSuperuser: TestDatabase;
  const role = `orders_${randomUUID().slice(0, 8)}`;
  const password = randomBytes(18).toString('base64url');
  const database = `${role}_db`;

  beforeAll(async () => {
    topics = await createTestTopics();
    asSuperuser = await createTestDatabase(admin, 'superuser');
    // The deployment a production service gets: a role of its own owning only its database.
    await withPostgresClient(admin, async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await client.query(`CREATE DATABASE ${database} OWNER ${role}`);
    });
  });

  afterAll(async () => {
    await asSuperuser?.drop();
    await withPostgresClient(admin, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    });
    await topics?.cleanup();
  });

  it('refuses to start with a superuser database URL, naming the variable and the role', async () => {
    const user = new URL(admin).username;
    await expect(
      startTestService(orders, { topics, databaseUrl: asSuperuser.url, config: { production: true } }),
    ).rejects.toThrow(
      `DATABASE_URL connects as ${user}, a role that is a superuser: in production (NODE_ENV=production) a service connects as a role of its own that owns only its database`,
    );
  });

  it('starts as a role of its own that owns only its database', async () => {
    const url = new URL(admin);
    url.username = role;
    url.password = password;
    url.pathname = `/${database}`;
    const service = await startTestService(orders, {
      topics,
      databaseUrl: url.toString(),
      config: { production: true },
    });
    try {
      expect((await service.request('/health/ready')).status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});

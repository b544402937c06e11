import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  describeOnEachDatabase,
  createTestTopics,
  startTestService,
  type TestService,
  type TestTopics,
  waitFor,
  testClient,
} from '@switchboard/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { crm } from '../src/crm.definition.ts';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const customer = (overrides: Record<string, unknown> = {}) => ({
  name: 'Muster GmbH',
  email: `billing+${Math.random().toString(36).slice(2)}@muster.example`,
  phone: '+49 30 1234567',
  address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
  segment: 'SMALL_BUSINESS',
  ...overrides,
});

const rates = {
  currency: 'EUR',
  perParticipantMinute: 12,
  tollFreeSurchargePerMinute: 5,
  recordingPerMinute: 2,
  minimumChargePerCall: 100,
};

/** The same suite on PGlite (the default) and on a real PostgreSQL server (DATABASE_URL). */
describeOnEachDatabase('crm on %s', 'crm', (database) => {
  let topics: TestTopics;
  let service: TestService;

  beforeAll(async () => {
    topics = await createTestTopics();
    service = await startTestService(crm, { topics, databaseUrl: database().url });
    expect(service.running.database.kind).toBe(database().kind);
  });

  afterAll(async () => {
    await service?.stop();
    await topics?.cleanup();
  });

  it('registers a customer and publishes crm.customer-registered with the full record', async () => {
    const body = customer();
    const response = await service.request('/v1/customers', { body });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; version: number };
    expect(created).toMatchObject({ ...body, phone: body.phone, version: 1, marketingConsent: false });

    const events = await topics.read('crm.customer-registered.v1', (es) =>
      es.some((e) => e.customerId === created.id),
    );
    const event = events.find((e) => e.customerId === created.id);
    expect(event).toMatchObject({
      name: body.name,
      email: body.email,
      address: { ...body.address, region: null },
      segment: 'SMALL_BUSINESS',
      meta: { producer: 'crm' },
    });

    const fetched = await service.request(`/v1/customers/${created.id}`);
    expect(await fetched.json()).toEqual({ ...created, billing: null });
  });

  it('rejects an invalid customer with problem+json naming each bad field, and publishes nothing', async () => {
    const response = await service.request('/v1/customers', {
      body: customer({
        email: 'not-an-email',
        address: { street: 'x', postalCode: '1', city: 'y', country: 'XX' },
      }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; errors: { field: string }[] };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['address.country', 'email']);
    const list = (await (await service.request('/v1/customers?limit=100')).json()) as { items: unknown[] };
    expect(list.items.every((c) => (c as { email: string }).email !== 'not-an-email')).toBe(true);
  });

  it('refuses a second customer with the same email (409)', async () => {
    const body = customer();
    expect((await service.request('/v1/customers', { body })).status).toBe(201);
    const second = await service.request('/v1/customers', {
      body: { ...body, email: body.email.toUpperCase() },
    });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { code: string }).code).toBe('EMAIL_TAKEN');
  });

  it('updates a customer and publishes the record after the change', async () => {
    const created = (await (await service.request('/v1/customers', { body: customer() })).json()) as {
      id: string;
    };
    const response = await service.request(`/v1/customers/${created.id}`, {
      method: 'PATCH',
      body: { segment: 'ENTERPRISE', marketingConsent: true },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      segment: 'ENTERPRISE',
      marketingConsent: true,
      version: 2,
    });
    const events = await topics.read('crm.customer-updated.v1', (es) =>
      es.some((e) => e.customerId === created.id),
    );
    expect(events.find((e) => e.customerId === created.id)).toMatchObject({
      segment: 'ENTERPRISE',
      marketingConsent: true,
      name: 'Muster GmbH',
    });
    const missing = await service.request('/v1/customers/6b0f6b52-2f4e-4c38-9f0e-1b0c35a0e2a1', {
      method: 'PATCH',
      body: { name: 'x' },
    });
    expect(missing.status).toBe(404);
  });

  it('lists customers page by page with a cursor, filtered by segment and country', async () => {
    const segment = 'PUBLIC_SECTOR';
    const country = 'AT';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = customer({ segment, address: { street: 's', postalCode: '1010', city: 'Wien', country } });
      ids.push(((await (await service.request('/v1/customers', { body })).json()) as { id: string }).id);
    }
    await service.request('/v1/customers', { body: customer({ segment }) }); // another country
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `segment=${segment}&country=${country}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await service.request(`/v1/customers?${query}`)).json()) as {
        items: { id: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
    const bad = await service.request('/v1/customers?cursor=bm9wZQ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('INVALID_CURSOR');
  });

  it('keeps every version of the contract rates and publishes each', async () => {
    const created = (await (await service.request('/v1/customers', { body: customer() })).json()) as {
      id: string;
    };
    const none = await service.request(`/v1/customers/${created.id}/contract`);
    expect(none.status).toBe(404);

    const first = await service.request(`/v1/customers/${created.id}/contract`, {
      method: 'PUT',
      body: { ...rates, effectiveFrom: '2026-01-01T00:00:00Z' },
    });
    expect(first.status).toBe(200);
    const second = await service.request(`/v1/customers/${created.id}/contract`, {
      method: 'PUT',
      body: { ...rates, perParticipantMinute: 10 },
    });
    expect(await second.json()).toMatchObject({ version: 2, perParticipantMinute: 10 });

    const contract = (await (await service.request(`/v1/customers/${created.id}/contract`)).json()) as {
      current: { version: number };
      history: { version: number }[];
    };
    expect(contract.current.version).toBe(2);
    expect(contract.history.map((v) => v.version)).toEqual([2, 1]);

    const events = await topics.read(
      'crm.contract-rates-changed.v1',
      (es) => es.filter((e) => e.customerId === created.id).length === 2,
    );
    const mine = events.filter((e) => e.customerId === created.id);
    expect(mine.map((e) => [e.version, e.perParticipantMinute])).toEqual([
      [1, { amountMinor: 12, currency: 'EUR' }],
      [2, { amountMinor: 10, currency: 'EUR' }],
    ]);
    expect(mine[0]?.effectiveFrom).toBe(Date.parse('2026-01-01T00:00:00Z'));

    const invalid = await service.request(`/v1/customers/${created.id}/contract`, {
      method: 'PUT',
      body: { ...rates, currency: 'EURO', recordingPerMinute: 1.5 },
    });
    const problem = (await invalid.json()) as { errors: { field: string }[] };
    expect(invalid.status).toBe(400);
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['currency', 'recordingPerMinute']);
  });

  it('answers health, metrics and its OpenAPI document', async () => {
    const ready = await service.request('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'up',
      checks: {
        database: { status: 'up' },
        kafka: { status: 'up' },
        'schema-registry': { status: 'up' },
        outbox: { status: 'up' },
      },
    });
    const metrics = await (await service.request('/metrics')).text();
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/v1\/customers"/);
    expect(metrics).toMatch(/messaging_published_total\{[^}]*topic="[^"]*crm\.customer-registered\.v1"/);
    // Every table's size, the service's own and the bus's, so growth can be watched.
    for (const table of ['customers', 'messaging_inbox', 'messaging_outbox'])
      expect(metrics).toMatch(new RegExp(`db_table_size_bytes\\{[^}]*table="${table}"[^}]*\\} [1-9]\\d*`));
    const openapi = (await (await service.request('/docs/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/customers',
        '/v1/customers/{id}',
        '/v1/customers/{id}/contract',
        '/v1/outbox/dead-letters',
        '/v1/outbox/dead-letters/replay',
      ]),
    );
    expect((await service.request('/docs')).status).toBe(200);
  });

  it('parks an event the broker refuses, shows it to `pnpm dlq list outbox crm`, and replays it once when fixed', async () => {
    // A record batch of at most 200 bytes: smaller than any customer's record.
    await topics.configure('crm.customer-registered.v1', { 'max.message.bytes': '200' });
    const body = customer();
    const response = await service.request('/v1/customers', { body });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };

    const parked = await waitFor(
      async () => {
        const page = (await (await service.request('/v1/outbox/dead-letters')).json()) as {
          items: { id: string; key: string; errorClass: string; replayedAt: string | null }[];
        };
        return page.items.find((d) => d.key === id);
      },
      { description: 'the refused event among the outbox dead letters', timeoutMs: 30_000 },
    );
    expect(parked).toMatchObject({ errorClass: 'MESSAGE_TOO_LARGE', replayedAt: null });
    const logged = service.logs.filter((l) => l.event === 'messaging.outbox.dead-lettered' && l.key === id);
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toHaveProperty('email');
    expect(await (await service.request('/metrics')).text()).toMatch(
      /messaging_outbox_dead_lettered_total\{[^}]*error_class="MESSAGE_TOO_LARGE"[^}]*\} 1/,
    );
    // Parking is progress: the events behind it flow, and readiness stays up.
    expect((await service.request('/health/ready')).status).toBe(200);
    const listed = await dlq(['list', 'outbox', 'crm']);
    expect(listed).toContain(`#${parked.id}`);
    expect(listed).toMatch(/1 dead letter\(s\) in crm's outbox, 1 not replayed/);

    await topics.configure('crm.customer-registered.v1', { 'max.message.bytes': String(1024 * 1024) });
    expect(await dlq(['replay', 'outbox', 'crm'])).toContain("put 1 dead letter(s) back into crm's outbox");
    expect(await dlq(['replay', 'outbox', 'crm'])).toContain("put 0 dead letter(s) back into crm's outbox");
    const events = await topics.read('crm.customer-registered.v1', (es) =>
      es.some((e) => e.customerId === id),
    );
    expect(events.filter((e) => e.customerId === id)).toHaveLength(1);
    expect(await dlq(['list', 'outbox', 'crm'])).toMatch(
      /1 dead letter\(s\) in crm's outbox, 0 not replayed/,
    );
  });

  /** Runs the dead-letter CLI against this crm, as `pnpm dlq …` does; answers what it printed. */
  async function dlq(args: readonly string[]): Promise<string> {
    const { stdout } = await run(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['--conditions=@switchboard/source', join(ROOT, 'packages/messaging/src/cli/dlq.ts'), ...args],
      {
        cwd: ROOT,
        // As an operator runs it, with a client of its own: here the tests'.
        env: {
          ...process.env,
          CRM_URL: service.url,
          OIDC_CLIENT_ID: testClient().clientId,
          OIDC_CLIENT_SECRET: testClient().clientSecret,
          OIDC_TOKEN_URL: testClient().tokenUrl,
        },
      },
    );
    return stdout;
  }
});

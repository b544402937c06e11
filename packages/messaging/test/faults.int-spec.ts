import { randomUUID } from 'node:crypto';
import type { EventOf } from '@switchboard/contracts';
import {
  DatabaseUnavailableError,
  postgresDatabase,
  type SqlDatabase,
  type SqlExecutor,
} from '@switchboard/database';
import {
  createTestDatabase,
  FaultProxy,
  stackEndpoints,
  type TestDatabase,
  waitFor,
} from '@switchboard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchItem,
  EventConsumer,
  type EventHandler,
  HEADERS,
  type PartitionPause,
} from '../src/consumer.ts';
import { createMessaging, type Messaging } from '../src/messaging.ts';
import { messagingChecks, MessagingStatus } from '../src/readiness.ts';
import { migrateMessagingTables } from '../src/schema.ts';
import { isolatedMessaging, messagingDatabase, type OpenedDatabase, sampleEvent } from './support.ts';

const TOPIC = 'orders.order-placed.v1';
type Placed = EventOf<typeof TOPIC>;

/** Records of a consumer's retry and dead-letter topics: 0 when nothing was parked. */
async function parkedCount(messaging: Messaging, service: string): Promise<number> {
  const admin = messaging.kafka.admin();
  await admin.connect();
  try {
    let count = 0;
    for (const topic of [messaging.names.retry(TOPIC, service), messaging.names.deadLetter(TOPIC, service)]) {
      for (const p of await admin.fetchTopicOffsets(topic)) count += Number(p.high) - Number(p.low);
    }
    return count;
  } finally {
    await admin.disconnect();
  }
}

/** The consumer readiness check's verdict: undefined when up, else its message. */
async function consumerReadiness(messaging: Messaging, status: MessagingStatus): Promise<string | undefined> {
  const check = messagingChecks(messaging, status).find((c) => c.name === 'consumer');
  try {
    await check?.check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Writes each order it is given into `applied`; with `batch`, through handleBatch. */
function applyingHandler(batch: boolean): EventHandler<typeof TOPIC> {
  const insert = (tx: SqlExecutor, events: readonly Placed[]) =>
    tx.query(`INSERT INTO applied (consumer, order_id) SELECT $1, unnest($2::uuid[])`, [
      batch ? 'batch' : 'single',
      events.map((e) => e.orderId),
    ]);
  const handler: EventHandler<typeof TOPIC> = {
    topic: TOPIC,
    handle: async (tx, event) => void (await insert(tx, [event])),
  };
  return batch
    ? {
        ...handler,
        handleBatch: async (tx, items: readonly BatchItem<typeof TOPIC>[]) =>
          void (await insert(
            tx,
            items.map((i) => i.event),
          )),
      }
    : handler;
}

describe('a PostgreSQL outage of 30 s under load', () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  let pool: pg.Pool;
  let db: SqlDatabase;
  let messaging: Messaging;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase(stackEndpoints().postgresUrl, 'faults');
    proxy = await FaultProxy.for(database.url);
    pool = new pg.Pool({
      connectionString: proxy.rewrite(database.url),
      max: 4,
      connectionTimeoutMillis: 5_000,
    });
    pool.on('error', () => undefined);
    db = postgresDatabase(pool);
    await migrateMessagingTables(db);
    await db.query(`CREATE TABLE applied (consumer text NOT NULL, order_id uuid NOT NULL)`);
    ({ messaging, cleanup } = await isolatedMessaging([TOPIC], ['single', 'batch']));
    await messaging.publisher.start([TOPIC]);
  });

  afterAll(async () => {
    await messaging?.publisher.stop();
    await cleanup?.();
    await pool?.end();
    await proxy?.stop();
    await database?.drop();
  });

  it('parks nothing, says which dependency fails, and applies every event once when it is back', async () => {
    const status = new MessagingStatus();
    const crashes: Error[] = [];
    const paused: PartitionPause[] = [];
    const resumed: number[] = [];
    const consumers = (['single', 'batch'] as const).map((service) => {
      const consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
        service,
        handlers: [applyingHandler(service === 'batch')],
        database: db,
        names: messaging.names,
        // Fast in-process retries and a short retry-topic trip: were the outage taken for the
        // event's failure, records would reach the dead-letter topic within a second or two.
        retry: {
          attempts: 2,
          initialDelayMs: 10,
          maxDelayMs: 50,
          retryTopicAttempts: 1,
          retryTopicDelayMs: 200,
          pauseMaxMs: 4_000,
        },
        onPaused: (pause) => paused.push(pause),
        onResumed: (_pause, pausedMs) => resumed.push(pausedMs),
      });
      consumer.onCrash((error) => crashes.push(error));
      return consumer;
    });
    const [single] = consumers;
    status.consumerStarted(() => single?.pauses ?? []);
    for (const consumer of consumers) await consumer.start();

    const published: string[] = [];
    const publishFor = async (ms: number): Promise<void> => {
      for (const end = Date.now() + ms; Date.now() < end;) {
        const batch = Array.from({ length: 5 }, () => randomUUID());
        await Promise.all(
          batch.map((orderId) =>
            messaging.publisher.publish(TOPIC, orderId, { ...sampleEvent(TOPIC), orderId }),
          ),
        );
        published.push(...batch);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    try {
      await publishFor(3_000);
      await proxy.cut();
      await publishFor(15_000);
      // Mid-outage: the partitions are held back, and readiness names the database.
      const verdict = await waitFor(async () => consumerReadiness(messaging, status), {
        description: 'readiness to report the paused consumer',
        timeoutMs: 10_000,
      });
      expect(verdict).toMatch(
        /^database failing: \d partition\(s\) of orders\.order-placed\.v1 paused for \d+ s \(database unavailable: /,
      );
      await publishFor(15_000);
      await proxy.restore();
      await publishFor(3_000);

      const counts = async (): Promise<Map<string, number>> => {
        const { rows } = await db.query<{ consumer: string; n: string }>(
          `SELECT consumer, count(*) AS n FROM applied GROUP BY consumer`,
        );
        return new Map(rows.map((r) => [r.consumer, Number(r.n)]));
      };
      await waitFor(
        async () => {
          const c = await counts();
          return c.get('single') === published.length && c.get('batch') === published.length
            ? true
            : undefined;
        },
        { description: `all ${published.length} events applied by both consumers`, timeoutMs: 60_000 },
      );
      // Each exactly once.
      const { rows } = await db.query<{ consumer: string; distinct_orders: string; n: string }>(
        `SELECT consumer, count(DISTINCT order_id) AS distinct_orders, count(*) AS n FROM applied GROUP BY consumer`,
      );
      for (const row of rows) expect(Number(row.distinct_orders)).toBe(published.length);
      for (const row of rows) expect(Number(row.n)).toBe(published.length);
      expect(await parkedCount(messaging, 'single')).toBe(0);
      expect(await parkedCount(messaging, 'batch')).toBe(0);
      expect(paused.map((p) => p.dependency)).toContain('database');
      expect(paused.every((p) => p.dependency === 'database')).toBe(true);
      expect(resumed.length).toBeGreaterThan(0);
      expect(Math.max(...resumed)).toBeGreaterThan(25_000);
      expect(await consumerReadiness(messaging, status)).toBeUndefined();
      // Heartbeats went on: the consumers never crashed or lost their group.
      expect(crashes).toEqual([]);
    } finally {
      await proxy.restore();
      for (const consumer of consumers) await consumer.stop();
    }
  }, 120_000);
});

describe('connections held through a PostgreSQL outage', () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  let pool: pg.Pool;
  let db: SqlDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(stackEndpoints().postgresUrl, 'held');
    proxy = await FaultProxy.for(database.url);
    pool = new pg.Pool({
      connectionString: proxy.rewrite(database.url),
      max: 4,
      connectionTimeoutMillis: 2_000,
    });
    pool.on('error', () => undefined);
    db = postgresDatabase(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await proxy?.stop();
    await database?.drop();
  });

  // Before: node-postgres emitted the loss on the checked-out connection with no listener, which
  // ended the process — every service holds one (its outbox relay's LISTEN, its lock holders).
  it('fails the work holding a connection as unavailable, and the process carries on', async () => {
    const work = db.session(async (session) => {
      await session.query('SELECT pg_advisory_lock(7243999)');
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 300));
      await session.query('SELECT 1');
    });
    await expect(work).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await proxy.restore();
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('listens again by itself once the server is back, and wakes the listener', async () => {
    const channel = `held_${randomUUID().slice(0, 8)}`;
    let woken = 0;
    const unlisten = await db.listen(channel, () => void (woken += 1));
    try {
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 1_500));
      await proxy.restore();
      // Woken once when it listens again (notifications meanwhile are lost), then by each NOTIFY.
      await waitFor(async () => (woken >= 1 ? true : undefined), {
        description: 'the listener to be woken after the outage',
        timeoutMs: 15_000,
      });
      const before = woken;
      await waitFor(
        async () => {
          await db.query(`SELECT pg_notify($1, '')`, [channel]);
          return woken > before ? true : undefined;
        },
        { description: 'a NOTIFY after the outage to reach the listener', timeoutMs: 10_000 },
      );
    } finally {
      await proxy.restore();
      await unlisten();
    }
  });
});

describe('a schema registry outage', () => {
  let messaging: Messaging;
  let cleanup: () => Promise<void>;
  let database: OpenedDatabase;
  let proxy: FaultProxy;

  beforeAll(async () => {
    ({ messaging, cleanup } = await isolatedMessaging([TOPIC], ['registry-fault']));
    await messaging.publisher.start([TOPIC]);
    database = await messagingDatabase();
    proxy = await FaultProxy.for(stackEndpoints().schemaRegistryUrl);
  });

  afterAll(async () => {
    await messaging?.publisher.stop();
    await cleanup?.();
    await database?.close();
    await proxy?.stop();
  });

  it('pauses the partition with readiness down, parks nothing, and resumes by itself', async () => {
    // A consumer whose registry is reached through the proxy, with no writer schema cached yet.
    const reader = createMessaging({
      service: 'messaging-test',
      brokers: stackEndpoints().kafkaBrokers,
      registryUrl: proxy.rewrite(stackEndpoints().schemaRegistryUrl),
      topicPrefix: messaging.names.prefix,
    });
    const handled: string[] = [];
    const status = new MessagingStatus();
    const consumer = new EventConsumer(reader.kafka, reader.serde, messaging.publisher, {
      service: 'registry-fault',
      handlers: [{ topic: TOPIC, handle: async (_tx, event: Placed) => void handled.push(event.orderId) }],
      database: database.db,
      names: messaging.names,
      retry: { attempts: 1, retryTopicAttempts: 0, pauseMaxMs: 2_000 },
    });
    status.consumerStarted(() => consumer.pauses);
    await proxy.cut();
    await consumer.start();
    try {
      const orderId = randomUUID();
      await messaging.publisher.publish(TOPIC, orderId, { ...sampleEvent(TOPIC), orderId });
      const verdict = await waitFor(async () => consumerReadiness(messaging, status), {
        description: 'readiness to report the registry',
        timeoutMs: 20_000,
      });
      expect(verdict).toMatch(
        /^schema-registry failing: 1 partition\(s\) of orders\.order-placed\.v1 paused/,
      );
      expect(verdict).toMatch(/schema registry .* unavailable/);
      expect(handled).toEqual([]);

      await proxy.restore();
      await waitFor(async () => (handled.includes(orderId) ? true : undefined), {
        description: 'the event to be handled once the registry is back',
        timeoutMs: 20_000,
      });
      expect(await consumerReadiness(messaging, status)).toBeUndefined();
      expect(await parkedCount(messaging, 'registry-fault')).toBe(0);
    } finally {
      await proxy.restore();
      await consumer.stop();
    }
  }, 60_000);
});

describe('records waiting in the retry topic', () => {
  let messaging: Messaging;
  let cleanup: () => Promise<void>;
  let database: OpenedDatabase;

  beforeAll(async () => {
    ({ messaging, cleanup } = await isolatedMessaging([TOPIC], ['retry-wait']));
    await messaging.publisher.start([TOPIC]);
    database = await messagingDatabase();
  });

  afterAll(async () => {
    await messaging?.publisher.stop();
    await cleanup?.();
    await database?.close();
  });

  it('hold back no other record, and a not-before an hour ahead waits only the configured delay', async () => {
    const failOnce = randomUUID();
    const farAhead = randomUUID();
    const tries = new Map<string, number>();
    const handledAt = new Map<string, number>();
    const consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
      service: 'retry-wait',
      handlers: [
        {
          topic: TOPIC,
          handle: async (_tx, event: Placed) => {
            const n = (tries.get(event.orderId) ?? 0) + 1;
            tries.set(event.orderId, n);
            if (event.orderId === failOnce && n === 1) throw new RangeError('not yet');
            handledAt.set(event.orderId, Date.now());
          },
        },
      ],
      database: database.db,
      names: messaging.names,
      retry: { attempts: 1, retryTopicAttempts: 1, retryTopicDelayMs: 8_000 },
    });
    await consumer.start();
    try {
      // One record fails and waits 8 s in the retry topic.
      await messaging.publisher.publish(TOPIC, failOnce, { ...sampleEvent(TOPIC), orderId: failOnce });
      await waitFor(async () => (tries.get(failOnce) === 1 ? true : undefined), {
        description: 'the first try',
        timeoutMs: 20_000,
      });
      // Records behind it, on every partition, go ahead while it waits.
      const others = Array.from({ length: 12 }, () => randomUUID());
      for (const orderId of others)
        await messaging.publisher.publish(TOPIC, orderId, { ...sampleEvent(TOPIC), orderId });
      await waitFor(async () => (others.every((o) => handledAt.has(o)) ? true : undefined), {
        description: 'the other records',
        timeoutMs: 20_000,
      });
      expect(handledAt.has(failOnce)).toBe(false);
      await waitFor(async () => (handledAt.has(failOnce) ? true : undefined), {
        description: 'the retried record',
        timeoutMs: 20_000,
      });
      expect(Math.max(...others.map((o) => handledAt.get(o) ?? Infinity))).toBeLessThan(
        handledAt.get(failOnce) ?? 0,
      );

      // A retry record that claims it may not be tried for an hour is tried after the delay.
      const producer = messaging.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: messaging.names.retry(TOPIC, 'retry-wait'),
        messages: [
          {
            key: farAhead,
            value: messaging.serde.encode(TOPIC, { ...sampleEvent(TOPIC), orderId: farAhead }),
            headers: {
              [HEADERS.originalTopic]: messaging.names.physical(TOPIC),
              [HEADERS.attempts]: '1',
              [HEADERS.notBefore]: String(Date.now() + 3_600_000),
            },
          },
        ],
      });
      await producer.disconnect();
      await waitFor(async () => (handledAt.has(farAhead) ? true : undefined), {
        // An hour's wait would fail this: 8 s is the configured delay.
        description: 'the record with a not-before an hour ahead',
        timeoutMs: 30_000,
      });
    } finally {
      await consumer.stop();
    }
  }, 90_000);
});

import { randomUUID } from 'node:crypto';
import type { EventOf } from '@switchboard/contracts';
import { createTestDatabase, describeOnEachDatabase, stackEndpoints, waitFor } from '@switchboard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventConsumer, type EventHandler } from '../src/consumer.ts';
import { Inbox } from '../src/inbox.ts';
import { inboxRetention, inboxRetentionDays } from '../src/inbox-retention.ts';
import type { Messaging } from '../src/messaging.ts';
import { Outbox, OutboxRelay } from '../src/outbox.ts';
import { postgresDatabase, pruneExpired, type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { migrateMessagingTables } from '../src/schema.ts';
import { isolatedMessaging, readTopic, sampleEvent } from './support.ts';

const TOPIC = 'orders.order-placed.v1';
type Placed = EventOf<typeof TOPIC>;

describeOnEachDatabase('outbox and inbox on %s', 'outbox_inbox', (database) => {
  let messaging: Messaging;
  let cleanup: () => Promise<void>;
  let db: SqlDatabase;
  let outbox: Outbox;

  beforeAll(async () => {
    ({ messaging, cleanup } = await isolatedMessaging([TOPIC], ['inbox-it']));
    await messaging.publisher.start([TOPIC]);
    db = await database().open();
    await migrateMessagingTables(db);
    await migrateMessagingTables(db); // idempotent
    await db.query('CREATE TABLE bookings (order_id uuid PRIMARY KEY)');
    await db.query('CREATE TABLE confirmations (order_id uuid PRIMARY KEY)');
    outbox = new Outbox(messaging.serde);
  });

  afterAll(async () => {
    await messaging.publisher.stop();
    await cleanup();
  });

  function placed(orderId: string, sequence: number): Placed {
    return { ...sampleEvent(TOPIC), orderId, durationMinutes: sequence };
  }

  async function book(event: Placed, fail = false): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO bookings (order_id) VALUES ($1)', [event.orderId]);
      await outbox.enqueue(tx, TOPIC, event.orderId, event);
      if (fail) throw new Error('the booking failed after the event was written');
    });
  }

  const keysOn = async (count: number) =>
    (await readTopic(messaging, messaging.names.physical(TOPIC), (r) => r.length >= count)).map((m) => ({
      key: m.key?.toString() ?? '',
      value: m.value,
    }));

  it('publishes a committed event promptly, woken by the NOTIFY of its commit, and never a rolled-back one', async () => {
    const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, {
      pollIntervalMs: 60_000,
    });
    await relay.start();
    try {
      const rolledBack = placed(randomUUID(), 1);
      await expect(book(rolledBack, true)).rejects.toThrow('booking failed');
      const committed = placed(randomUUID(), 2);
      const started = Date.now();
      await book(committed);
      const records = await keysOn(1);
      // The fallback poll is a minute away: only the commit's notification can explain this.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(records.map((r) => r.key)).toEqual([committed.orderId]);
      expect(await messaging.serde.decode(TOPIC, records[0]?.value ?? null)).toEqual(committed);
      const { rows } = await db.query('SELECT order_id FROM bookings WHERE order_id = $1', [
        rolledBack.orderId,
      ]);
      expect(rows).toEqual([]);
    } finally {
      await relay.stop();
    }
  });

  it("loses nothing and keeps each key's order through a crash between publishing and deleting", async () => {
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    for (const key of keys) await book(placed(key, 1));
    // Later events of the same orders, each in its own transaction.
    for (let sequence = 2; sequence <= 12; sequence++) {
      for (const key of keys) {
        await db.transaction((tx) => outbox.enqueue(tx, TOPIC, key, placed(key, sequence)));
      }
    }
    // A database whose first delete of published rows fails: the relay published, then
    // "crashed" before deleting.
    let crashes = 1;
    const crashing: SqlDatabase = {
      ...db,
      session: (work) =>
        db.session((connection) =>
          work({
            ...connection,
            query: (sql, params) => {
              const deletes = sql.includes('DELETE') && (params?.[0] as unknown[]).length > 0;
              if (deletes && crashes-- > 0) throw new Error('relay crashed');
              return connection.query(sql, params);
            },
          }),
        ),
    };
    const first = new OutboxRelay(crashing, messaging.publisher, messaging.serde, messaging.names, {
      batchSize: 5,
    });
    await expect(first.drain()).rejects.toThrow('relay crashed');
    // A new relay (the restarted service) picks up from the rows still in the outbox.
    const second = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, {
      batchSize: 5,
    });
    expect(await second.drain()).toBe(keys.length * 12);

    const total = 1 + keys.length * 12 + 5; // the first test's event, these, and 5 republished
    const records = await keysOn(total);
    for (const key of keys) {
      const sequences = await Promise.all(
        records
          .filter((r) => r.key === key)
          .map(async (r) => (await messaging.serde.decode(TOPIC, r.value)).durationMinutes),
      );
      const firstSeen = sequences.filter((s, i) => sequences.indexOf(s) === i);
      expect(firstSeen, `order of key ${key}`).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    }
    expect((await db.query('SELECT id FROM messaging_outbox')).rows).toEqual([]);
  });

  it('has its own commits wake the relay in process, with no NOTIFY, while that relay leads', async () => {
    const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, {
      pollIntervalMs: 60_000,
    });
    const own = new Outbox(messaging.serde).wakes(relay);
    let notifications = 0;
    const unlisten = await db.listen('messaging_outbox', () => notifications++);
    await relay.start();
    try {
      await waitFor(async () => (relay.leading ? true : undefined), { description: 'the relay leading' });
      const event = placed(randomUUID(), 1);
      const before = (await keysOn(1 + 36 + 5)).length;
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO bookings (order_id) VALUES ($1)', [event.orderId]);
        await own.enqueue(tx, TOPIC, event.orderId, event);
      });
      // The poll is a minute away and nothing was notified: only the direct wake-up explains this.
      const records = await keysOn(before + 1);
      expect(records.map((r) => r.key)).toContain(event.orderId);
      expect(notifications).toBe(0);
      // The relay's asynchronous commits are its own: the service's transactions still wait for the disk.
      const { rows } = await db.transaction((tx) =>
        tx.query<{ synchronous_commit: string }>('SHOW synchronous_commit'),
      );
      expect(rows[0]?.synchronous_commit).toBe('on');
    } finally {
      await relay.stop();
      await unlisten();
    }
    expect(relay.leading).toBe(false);
  });

  it('has a redelivered or republished event change nothing the second time', async () => {
    const orderId = randomUUID();
    class Confirm implements EventHandler<typeof TOPIC> {
      readonly topic = TOPIC;
      seen = 0;
      async handle(tx: SqlExecutor, event: Placed): Promise<void> {
        if (event.orderId !== orderId) return;
        this.seen++;
        await tx.query('INSERT INTO confirmations (order_id) VALUES ($1)', [event.orderId]);
      }
    }
    const handler = new Confirm();
    const group = messaging.names.group('inbox-it');
    const physical = messaging.names.physical(TOPIC);
    const consumerOf = () =>
      new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
        service: 'inbox-it',
        handlers: [handler],
        database: db,
        names: messaging.names,
      });
    /** True once the group has committed every record of the topic: all of them were handled. */
    const caughtUp = async (): Promise<true | undefined> => {
      const admin = messaging.kafka.admin();
      await admin.connect();
      try {
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [physical] });
        const ends = await admin.fetchTopicOffsets(physical);
        const done = ends
          .filter((end) => end.high !== '0')
          .every(
            (end) => committed?.partitions.find((p) => p.partition === end.partition)?.offset === end.high,
          );
        return done || undefined;
      } finally {
        await admin.disconnect();
      }
    };
    const event = placed(orderId, 1);
    await messaging.publisher.publish(TOPIC, orderId, event);
    let consumer = consumerOf();
    await consumer.start();
    await waitFor(async () => (handler.seen >= 1 ? true : undefined), { description: 'first delivery' });
    await waitFor(caughtUp, { description: 'the first delivery committed' });
    await consumer.stop();

    // As if the service crashed after its transaction but before committing the offset.
    const admin = messaging.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: group, topic: physical, earliest: true });
    await admin.disconnect();
    // And the same event published again, as a relay restart may do.
    await messaging.publisher.publish(TOPIC, orderId, event);

    consumer = consumerOf();
    await consumer.start();
    try {
      await waitFor(caughtUp, { description: 'both redeliveries handled and committed' });
    } finally {
      await consumer.stop();
    }
    // The bus recorded the event's id with the first handling: the handler never saw it again.
    expect(handler.seen).toBe(1);
    expect(
      (await db.query('SELECT order_id FROM confirmations WHERE order_id = $1', [orderId])).rows,
    ).toHaveLength(1);
  });

  it('handles a batch once: repeats inside it and events seen before are left out', async () => {
    const inbox = new Inbox(db, 'batch-inbox-it');
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const done: string[] = [];
    const run = (ids: string[]) =>
      inbox.handleBatchOnce(
        ids.map((eventId) => ({ eventId })),
        TOPIC,
        (item) => item.eventId,
        async (_tx, fresh) => {
          done.push(...fresh.map((f) => f.eventId));
        },
      );
    expect((await run([a, b, a])).map((i) => i.eventId)).toEqual([a, b]);
    expect((await run([a, c])).map((i) => i.eventId)).toEqual([c]);
    expect(done).toEqual([a, b, c]);
  });

  it('prunes only the ids Kafka can no longer deliver, so a redelivery within the window is still found', async () => {
    const consumer = `prune-${randomUUID()}`;
    const inbox = new Inbox(db, consumer);
    const other = new Inbox(db, `other-${randomUUID()}`);
    const handle = (box: Inbox, id: string, topic: string) => box.handleOnce(id, topic, async () => {});
    const age = (box: Inbox, id: string, days: number) =>
      db.query(
        `UPDATE messaging_inbox SET handled_at = now() - make_interval(days => $2) WHERE event_id = $1`,
        [id, days],
      );
    // orders.order-placed is kept 30 days: its ids are kept 30 + 7 (segment roll) + 1 = 38 days.
    const [recent, old, state, othersOld] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    expect(inboxRetentionDays({ kind: 'delete', days: 30 })).toBe(38);
    await handle(inbox, recent, TOPIC);
    await age(inbox, recent, 37);
    await handle(inbox, old, TOPIC);
    await age(inbox, old, 39);
    // A compacted topic's records may come again at any time: its ids stay.
    await handle(inbox, state, 'crm.customer-registered.v1');
    await age(inbox, state, 400);
    await handle(other, othersOld, TOPIC);
    await age(other, othersOld, 39);

    expect(await pruneExpired(db, inboxRetention(consumer, [TOPIC, 'crm.customer-registered.v1']))).toBe(1);
    expect(await handle(inbox, recent, TOPIC)).toBe(false);
    expect(await handle(inbox, state, 'crm.customer-registered.v1')).toBe(false);
    expect(await handle(other, othersOld, TOPIC)).toBe(false);
    expect(await handle(inbox, old, TOPIC)).toBe(true);
  });
});

describe('outbox relays of two replicas on one PostgreSQL database', () => {
  it('has one publish while the other stands by, and the other take over when the first stops', async () => {
    const { messaging, cleanup } = await isolatedMessaging([TOPIC], []);
    const database = await createTestDatabase(stackEndpoints().postgresUrl, 'relay_standby');
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: database.url, max: 4 }));
    const [one, two] = pools.map((pool) => postgresDatabase(pool)) as [SqlDatabase, SqlDatabase];
    await messaging.publisher.start([TOPIC]);
    await migrateMessagingTables(one);
    const relayOf = (db: SqlDatabase) =>
      new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, { pollIntervalMs: 200 });
    const first = relayOf(one);
    const second = relayOf(two);
    const outboxOfSecond = new Outbox(messaging.serde).wakes(second);
    const publishFromSecond = async (): Promise<string> => {
      const event = { ...sampleEvent(TOPIC), orderId: randomUUID() };
      await two.transaction((tx) => outboxOfSecond.enqueue(tx, TOPIC, event.orderId, event));
      return event.orderId;
    };
    const readKeys = async (count: number) =>
      (await readTopic(messaging, messaging.names.physical(TOPIC), (r) => r.length >= count)).map(
        (m) => m.key?.toString() ?? '',
      );
    try {
      await first.start();
      await waitFor(async () => (first.leading ? true : undefined), { description: 'the first leading' });
      await second.start();
      // The second replica's commit reaches the leading relay through NOTIFY.
      const a = await publishFromSecond();
      expect(await readKeys(1)).toEqual([a]);
      expect(second.leading).toBe(false);

      await first.stop();
      await waitFor(async () => (second.leading ? true : undefined), {
        description: 'the second taking over',
      });
      const b = await publishFromSecond();
      // Different keys may land on different partitions, so compare without order.
      expect((await readKeys(2)).sort()).toEqual([a, b].sort());
    } finally {
      await first.stop();
      await second.stop();
      await messaging.publisher.stop();
      await Promise.all(pools.map((pool) => pool.end()));
      await database.drop();
      await cleanup();
    }
  });
});

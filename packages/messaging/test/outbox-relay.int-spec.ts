import { randomUUID } from 'node:crypto';
import { type EventOf, MAX_EVENT_BYTES, subjectOf } from '@switchboard/contracts';
import {
  configureTopic,
  describeOnEachDatabase,
  stackEndpoints,
  testRegistryCredentials,
  testRegistryHeaders,
  waitFor,
} from '@switchboard/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventTooLargeError } from '../src/errors.ts';
import type { Messaging } from '../src/messaging.ts';
import type { MessagingMetrics } from '../src/metrics.ts';
import { Outbox, OutboxRelay, type ParkedRow, type RelayOptions } from '../src/outbox.ts';
import { SchemaRegistryClient } from '../src/registry.ts';
import { AvroSerde } from '../src/serde.ts';
import { OutboxDeadLetters } from '../src/outbox-dead-letters.ts';
import { messagingChecks, MessagingStatus, relayStall } from '../src/readiness.ts';
import type { SqlDatabase } from '@switchboard/database';
import { migrateMessagingTables } from '../src/schema.ts';
import { isolatedMessaging, readTopic, sampleEvent } from './support.ts';

const TOPIC = 'crm.customer-registered.v1';
type Registered = EventOf<typeof TOPIC>;

/** What a relay reported through its hooks. */
class Reports {
  readonly deadLetters: { letter: ParkedRow; error: Error }[] = [];
  readonly failing: Error[] = [];
  readonly recovered: number[] = [];
  readonly backlog: { rows: number; oldestAgeMs: number }[] = [];
  readonly parkedMetric: string[] = [];
  readonly metrics: MessagingMetrics = {
    outboxBacklog: (rows, oldestAgeMs) => this.backlog.push({ rows, oldestAgeMs }),
    outboxDeadLettered: (topic, errorClass) => this.parkedMetric.push(`${topic} ${errorClass}`),
  };
  readonly options: RelayOptions = {
    metrics: this.metrics,
    onDeadLetter: (letter, error) => this.deadLetters.push({ letter, error }),
    onFailing: (error) => this.failing.push(error),
    onRecovered: (failedPasses) => this.recovered.push(failedPasses),
  };
}

describeOnEachDatabase('the outbox relay on %s, at the limits of the broker', 'outbox_relay', (database) => {
  let messaging: Messaging;
  let cleanup: () => Promise<void>;
  let db: SqlDatabase;
  let outbox: Outbox;

  beforeAll(async () => {
    ({ messaging, cleanup } = await isolatedMessaging([TOPIC], []));
    await messaging.publisher.start([TOPIC]);
    db = await database().open();
    await migrateMessagingTables(db);
    outbox = new Outbox(messaging.serde);
  });

  afterAll(async () => {
    await messaging.publisher.stop();
    await cleanup();
  });

  /** Sets the largest record batch the broker accepts on this suite's topic. */
  const limitRecordBatches = (maxBytes: number) =>
    configureTopic(messaging.kafka, messaging.names.physical(TOPIC), {
      'max.message.bytes': String(maxBytes),
    });

  /** A customer registration of `bytes` or so, the `sequence`-th event of its customer. */
  function registered(customerId: string, sequence: number, bytes = 200): Registered {
    return {
      ...sampleEvent(TOPIC),
      customerId,
      name: `${sequence}:`.padEnd(bytes, 'x'),
      email: `customer-${sequence}@muster.example`,
    };
  }

  async function enqueue(events: readonly Registered[]): Promise<void> {
    for (const event of events) {
      await db.transaction((tx) => outbox.enqueue(tx, TOPIC, event.customerId, event));
    }
  }

  interface Arrival {
    readonly key: string;
    readonly eventId: string;
    readonly sequence: number;
  }

  /** Every record on the topic now (up to each partition's end), decoded, in each partition's order. */
  async function arrivals(): Promise<Arrival[]> {
    const topic = messaging.names.physical(TOPIC);
    const admin = messaging.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const total = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    if (total === 0) return [];
    const records = await readTopic(messaging, topic, (r) => r.length >= total);
    return Promise.all(
      records.map(async (record) => {
        const event = await messaging.serde.decode(TOPIC, record.value);
        return {
          key: event.customerId,
          eventId: event.meta.eventId,
          sequence: Number(event.name.split(':')[0]),
        };
      }),
    );
  }

  const outboxIsEmpty = async () =>
    (await db.query('SELECT id FROM messaging_outbox')).rows.length === 0 ? true : undefined;

  /** Each key's events in the order they first arrived (a republished record may come twice). */
  function firstArrivals(seen: readonly Arrival[]): Map<string, number[]> {
    const order = new Map<string, number[]>();
    const once = new Set<string>();
    for (const { key, eventId, sequence } of seen) {
      if (once.has(eventId)) continue;
      once.add(eventId);
      order.set(key, [...(order.get(key) ?? []), sequence]);
    }
    return order;
  }

  it('refuses an event larger than the bus allows, naming the topic and the size, and writes nothing', async () => {
    const event = registered(randomUUID(), 1, MAX_EVENT_BYTES + 10);
    const attempt = db.transaction((tx) => outbox.enqueue(tx, TOPIC, event.customerId, event));
    await expect(attempt).rejects.toThrow(EventTooLargeError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `event for ${TOPIC.replaceAll('.', '\\.')} is \\d+ bytes encoded, over the bus's bound of ${MAX_EVENT_BYTES} bytes`,
      ),
    );
    await expect(messaging.publisher.publish(TOPIC, event.customerId, event)).rejects.toThrow(
      EventTooLargeError,
    );
    expect((await db.query('SELECT id FROM messaging_outbox')).rows).toEqual([]);
  });

  it('splits a pass the broker refuses as too large, though each record fits, and delivers every event in order', async () => {
    // 12 events of 20 KB: one pass of 240 KB, but at most 64 KB per partition's record batch.
    await limitRecordBatches(64 * 1024);
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    const events = [1, 2, 3, 4].flatMap((sequence) => keys.map((key) => registered(key, sequence, 20_000)));
    await enqueue(events);
    const reports = new Reports();
    const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, reports.options);
    expect(await relay.drain()).toBe(events.length);

    const order = firstArrivals(await arrivals());
    for (const key of keys) expect(order.get(key), `order of ${key}`).toEqual([1, 2, 3, 4]);
    expect(reports.deadLetters).toEqual([]);
    expect((await db.query('SELECT id FROM messaging_outbox')).rows).toEqual([]);
  });

  it('parks an event the broker refuses for good, goes on with the ones behind it, and replays it once when the cause is fixed', async () => {
    await limitRecordBatches(16 * 1024);
    const [a, b] = [randomUUID(), randomUUID()];
    const big = registered(b, 1, 40_000);
    const normal = [registered(a, 1), registered(a, 2), registered(b, 2), registered(a, 3)];
    await enqueue([normal[0]!, big, ...normal.slice(1)]);
    const reports = new Reports();
    const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, {
      ...reports.options,
      pollIntervalMs: 200,
    });
    const deadLetters = new OutboxDeadLetters(db, new Outbox(messaging.serde).wakes(relay));
    await relay.start();
    try {
      await waitFor(async () => (reports.deadLetters.length > 0 ? true : undefined), {
        description: 'the refused event parked',
      });
      await waitFor(outboxIsEmpty, { description: 'the events behind it published' });
      const order = firstArrivals(await arrivals());
      expect(order.get(a)).toEqual([1, 2, 3]);
      expect(order.get(b)).toEqual([2]);

      const [parked, ...others] = await deadLetters.list({ limit: 10 });
      expect(others).toEqual([]);
      expect(parked).toMatchObject({
        topic: TOPIC,
        key: b,
        eventId: big.meta.eventId,
        errorClass: 'MESSAGE_TOO_LARGE',
        replayedAt: null,
      });
      expect(parked?.bytes).toBeGreaterThan(40_000);
      expect(reports.deadLetters.map((d) => d.letter.eventId)).toEqual([big.meta.eventId]);
      expect(reports.parkedMetric).toEqual([`${TOPIC} MESSAGE_TOO_LARGE`]);

      // Fixed: the topic takes record batches of 1 MiB again.
      await limitRecordBatches(1024 * 1024);
      const replayed = await deadLetters.replay();
      expect(replayed.map((d) => d.eventId)).toEqual([big.meta.eventId]);
      expect(await deadLetters.replay()).toEqual([]);
      await waitFor(outboxIsEmpty, { description: 'the replayed event published' });
      const after = await arrivals();
      expect(after.filter((s) => s.eventId === big.meta.eventId)).toHaveLength(1);
      expect(firstArrivals(after).get(b)).toEqual([2, 1]);
      const [again] = await deadLetters.list({ limit: 10 });
      expect(again?.replayedAt).not.toBeNull();
      expect(reports.deadLetters).toHaveLength(1);
    } finally {
      await relay.stop();
    }
  });

  it('publishes events of different sizes written in one statement each as it was, in order', async () => {
    const key = randomUUID();
    // Sizes from a few bytes to most of what one event may be, so each payload's cut is checked.
    const sizes = [1, 200, 3, 70_000, 0, 9_999, 200_000, 17];
    const events = sizes.map((bytes, i) => registered(key, i + 1, bytes));
    await db.transaction((tx) =>
      outbox.enqueueMany(
        tx,
        events.map((event) => ({ topic: TOPIC, key, event })),
      ),
    );
    const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names);
    expect(await relay.drain()).toBe(sizes.length);
    const mine = (await arrivals()).filter((a) => a.key === key);
    expect(mine.map((a) => a.sequence)).toEqual(sizes.map((_, i) => i + 1));
    const topic = messaging.names.physical(TOPIC);
    const records = await readTopic(
      messaging,
      topic,
      (r) => r.filter((m) => m.key?.toString() === key).length >= sizes.length,
    );
    const decoded = await Promise.all(
      records.filter((m) => m.key?.toString() === key).map((m) => messaging.serde.decode(TOPIC, m.value)),
    );
    expect(decoded).toEqual(events);
  });

  it('measures the backlog and the oldest event’s age at every pass, while events wait', async () => {
    const key = randomUUID();
    const events = Array.from({ length: 600 }, (_, i) => registered(key, i + 1));
    await db.transaction((tx) =>
      outbox.enqueueMany(
        tx,
        events.map((event) => ({ topic: TOPIC, key, event })),
      ),
    );
    const reports = new Reports();
    const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, {
      ...reports.options,
      batchSize: 100,
    });
    expect(await relay.drain()).toBe(600);
    const rows = reports.backlog.map((b) => b.rows);
    // One measure per pass: six passes of 100, then the one that finds nothing.
    expect(rows).toHaveLength(7);
    expect(rows[0]).toBe(600);
    expect(rows.slice(0, -1).every((r) => r > 0)).toBe(true);
    expect(rows.at(-1)).toBe(0);
    expect(reports.backlog[0]?.oldestAgeMs).toBeGreaterThanOrEqual(0);
  });

  it('tells readiness when it has published nothing for too long while events wait, and recovers by itself', async () => {
    // The registry refuses the event's schema: nothing can be published until that is fixed.
    const subject = `${stackEndpoints().schemaRegistryUrl}/subjects/${subjectOf(messaging.names.physical(TOPIC))}`;
    await fetch(subject, { method: 'DELETE', headers: testRegistryHeaders() });
    await fetch(`${subject}?permanent=true`, { method: 'DELETE', headers: testRegistryHeaders() });
    const other = { type: 'record', name: 'Blocker', fields: [{ name: 'n', type: 'int' }] };
    const blocker = await fetch(`${subject}/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json', ...testRegistryHeaders() },
      body: JSON.stringify({ schema: JSON.stringify(other) }),
    });
    expect(blocker.ok).toBe(true);
    // This suite's serde has looked the schema up already; a new one, as a restarted service's, has not.
    const serde = new AvroSerde(
      new SchemaRegistryClient({
        url: stackEndpoints().schemaRegistryUrl,
        credentials: testRegistryCredentials(),
      }),
      messaging.names,
    );
    const reports = new Reports();
    const relay = new OutboxRelay(db, messaging.publisher, serde, messaging.names, {
      ...reports.options,
      pollIntervalMs: 100,
    });
    const status = new MessagingStatus();
    status.relayStarted(() => relay.status);
    const outboxCheck = messagingChecks(messaging, status, { stallAfterMs: 3_000 }).find(
      (c) => c.name === 'outbox',
    );
    const key = randomUUID();
    await enqueue([registered(key, 1)]);
    await relay.start();
    try {
      await waitFor(async () => (reports.failing.length > 0 ? true : undefined), {
        description: 'a failing pass',
      });
      await expect(outboxCheck?.check()).resolves.toBeUndefined(); // not for long yet
      await waitFor(async () => (relayStall(relay.status, 3_000) ? true : undefined), {
        description: 'the relay to count as stalled',
      });
      await expect(outboxCheck?.check()).rejects.toThrow(
        /outbox relay has published nothing for \d+ s while 1 event\(s\) wait/,
      );
      expect(reports.failing).toHaveLength(1); // logged once, however many passes failed

      // Fixed: the blocking schema goes and the contracts tool registers the topic's own.
      await fetch(subject, { method: 'DELETE', headers: testRegistryHeaders() });
      await fetch(`${subject}?permanent=true`, { method: 'DELETE', headers: testRegistryHeaders() });
      await new AvroSerde(
        new SchemaRegistryClient({
          url: stackEndpoints().schemaRegistryUrl,
          credentials: testRegistryCredentials(),
        }),
        messaging.names,
      ).register([TOPIC]);
      await waitFor(async () => (reports.recovered.length > 0 ? true : undefined), {
        description: 'the relay to recover',
        timeoutMs: 60_000,
      });
      await expect(outboxCheck?.check()).resolves.toBeUndefined();
      expect((await db.query('SELECT id FROM messaging_outbox')).rows).toEqual([]);
    } finally {
      await relay.stop();
    }
  });
});

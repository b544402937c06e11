import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { EventOf } from '@switchboard/contracts';
import { JaegerReader, type JaegerSpan, stackEndpoints, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { EventConsumer, type EventHandler } from '../src/consumer.ts';
import type { Messaging } from '../src/messaging.ts';
import { Outbox, OutboxRelay } from '../src/outbox.ts';
import { pgliteDatabase, type SqlExecutor } from '@switchboard/database';
import { migrateMessagingTables } from '../src/schema.ts';
import { isolatedMessaging, sampleEvent } from './support.ts';

const PLACED = 'orders.order-placed.v1';
const RESERVED = 'conference.bridge-reserved.v1';

describe('trace context across Kafka', () => {
  const endpoints = stackEndpoints();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `messaging-it-${randomUUID().slice(0, 8)}` }),
    spanProcessors: [
      new SimpleSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${endpoints.otlpHttpUrl}/v1/traces` }),
      }),
    ],
  });
  const confirmed: string[] = [];
  let messaging: Messaging;
  let cleanup: () => Promise<void>;
  let consumers: EventConsumer[] = [];
  const pg = new PGlite();
  const db = pgliteDatabase(pg);
  let outbox: Outbox;
  let relay: OutboxRelay;
  /** Orders whose reservation goes through the outbox and its relay rather than a direct publish. */
  const viaOutbox = new Set<string>();

  /** Hop 1: the bridge reserves for a placed order and publishes the reservation. */
  class ReserveBridge implements EventHandler<typeof PLACED> {
    readonly topic = PLACED;
    async handle(tx: SqlExecutor, order: EventOf<typeof PLACED>): Promise<void> {
      const reserved = { ...sampleEvent(RESERVED), orderId: order.orderId, customerId: order.customerId };
      if (viaOutbox.has(order.orderId)) {
        await outbox.enqueue(tx, RESERVED, order.orderId, reserved);
      } else {
        await messaging.publisher.publish(RESERVED, order.orderId, reserved);
      }
    }
  }

  /** Hop 2: orders confirms. */
  class ConfirmOrder implements EventHandler<typeof RESERVED> {
    readonly topic = RESERVED;
    async handle(_tx: SqlExecutor, reserved: EventOf<typeof RESERVED>): Promise<void> {
      confirmed.push(reserved.orderId);
    }
  }

  beforeAll(async () => {
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    ({ messaging, cleanup } = await isolatedMessaging([PLACED, RESERVED], ['bridge-it', 'orders-it']));
    await messaging.publisher.start([PLACED, RESERVED]);
    await migrateMessagingTables(db);
    relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names);
    outbox = new Outbox(messaging.serde).wakes(relay);
    await relay.start();
    consumers = [
      new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
        service: 'bridge-it',
        handlers: [new ReserveBridge()],
        database: db,
        names: messaging.names,
      }),
      new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
        service: 'orders-it',
        handlers: [new ConfirmOrder()],
        database: db,
        names: messaging.names,
      }),
    ];
    await Promise.all(consumers.map((c) => c.start()));
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await relay.stop();
    await pg.close();
    await messaging.publisher.stop();
    await cleanup();
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it.each([{ route: 'a direct publish' }, { route: 'the outbox and its relay' }])(
    'makes a two-hop flow one trace in Jaeger, through $route: each consumer span a child of its producer span',
    async ({ route }) => {
      const orderId = randomUUID();
      if (route !== 'a direct publish') viaOutbox.add(orderId);
      const root = provider.getTracer('test').startSpan('book conference');
      const traceId = root.spanContext().traceId;
      await context.with(trace.setSpan(context.active(), root), () =>
        messaging.publisher.publish(PLACED, orderId, { ...sampleEvent(PLACED), orderId }),
      );
      root.end();
      await waitFor(async () => (confirmed.includes(orderId) ? true : undefined), {
        description: 'the reservation to reach orders',
        timeoutMs: 30_000,
      });
      await provider.forceFlush();

      const jaeger = new JaegerReader(endpoints.jaegerQueryUrl);
      const physical = (topic: string): string => messaging.names.physical(topic);
      const names = [
        'book conference',
        `publish ${physical(PLACED)}`,
        `process ${physical(PLACED)}`,
        `publish ${physical(RESERVED)}`,
        `process ${physical(RESERVED)}`,
      ];
      const spans = await waitFor(
        async () => {
          const found = await jaeger.trace(traceId);
          return found && names.every((n) => found.spans.some((s) => s.operationName === n))
            ? found.spans
            : undefined;
        },
        { description: `all five spans of trace ${traceId} in Jaeger`, timeoutMs: 20_000 },
      );
      const byName = (name: string): JaegerSpan => spans.find((s) => s.operationName === name)!;
      const parentOf = (span: JaegerSpan): string | undefined =>
        span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
      for (let i = 1; i < names.length; i++) {
        expect(parentOf(byName(names[i]!)), `${names[i]} is a child of ${names[i - 1]}`).toBe(
          byName(names[i - 1]!).spanID,
        );
      }
      const kind = (span: JaegerSpan): unknown => span.tags.find((t) => t.key === 'span.kind')?.value;
      expect(kind(byName(names[1]!))).toBe('producer');
      expect(kind(byName(names[2]!))).toBe('consumer');
      expect(kind(byName(names[3]!))).toBe('producer');
    },
  );
});

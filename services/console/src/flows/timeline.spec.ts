import { describe, expect, it } from 'vitest';
import type { JaegerSpan, JaegerTrace } from '@switchboard/observability';
import { catalogTopicOf, flowOf } from './timeline.ts';

const T0 = 1_780_000_000_000_000; // µs

function span(
  id: string,
  parent: string | undefined,
  process: string,
  name: string,
  startMs: number,
  durationMs: number,
  tags: Record<string, unknown>,
): JaegerSpan {
  return {
    traceID: 't1',
    spanID: id,
    operationName: name,
    references: parent ? [{ refType: 'CHILD_OF', spanID: parent, traceID: 't1' }] : [],
    startTime: T0 + startMs * 1000,
    duration: durationMs * 1000,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    processID: process,
  };
}

/** A booking: the request, its event published, the bridge handling it late, and a failed retry. */
const booking: JaegerTrace = {
  traceID: 't1',
  processes: { p1: { serviceName: 'orders' }, p2: { serviceName: 'conference-bridge' } },
  spans: [
    span('a', undefined, 'p1', 'POST /v1/orders', 0, 40, {
      'span.kind': 'server',
      'http.request.method': 'POST',
      'switchboard.order.id': 'o-1',
    }),
    span('m', 'a', 'p1', 'request handler', 1, 38, {
      'span.kind': 'server',
      'express.type': 'request_handler',
    }),
    span('b', 'a', 'p1', 'INSERT orders', 5, 3, { 'span.kind': 'client', 'db.system.name': 'postgresql' }),
    span('c', 'a', 'p1', 'publish te1.orders.order-placed.v1', 60, 4, {
      'span.kind': 'producer',
      'messaging.destination.name': 'te1.orders.order-placed.v1',
    }),
    span('d', 'c', 'p2', 'process te1.orders.order-placed.v1', 2_560, 20, {
      'span.kind': 'consumer',
      'messaging.destination.name': 'te1.orders.order-placed.v1',
      'switchboard.order.id': 'o-1',
      'otel.status_code': 'ERROR',
      'otel.status_description': 'BridgeFullError',
    }),
    span('e', 'c', 'p2', 'process te1.orders.order-placed.v1.conference-bridge.retry', 3_000, 10, {
      'span.kind': 'consumer',
      'messaging.destination.name': 'te1.orders.order-placed.v1.conference-bridge.retry',
    }),
  ],
};

describe('a flow from its trace', () => {
  const flow = flowOf(booking);

  it('lists its steps across services in order, leaving database calls to the waterfall', () => {
    expect(flow.services).toEqual(['orders', 'conference-bridge']);
    expect(flow.steps.map((s) => [s.service, s.kind, s.name])).toEqual([
      ['orders', 'request', 'POST /v1/orders'],
      ['orders', 'publish', 'publish te1.orders.order-placed.v1'],
      ['conference-bridge', 'process', 'process te1.orders.order-placed.v1'],
      ['conference-bridge', 'process', 'process te1.orders.order-placed.v1.conference-bridge.retry'],
    ]);
    expect(flow.rows).toHaveLength(6);
    expect(flow.durationMs).toBe(3_010);
  });

  it("measures each hop from publishing to handling against the topic's objective", () => {
    const [, , late, retried] = flow.steps;
    expect(late?.topic).toBe('orders.order-placed.v1');
    expect(late?.hop).toEqual({ ms: 2_500, objectiveMs: 2_000, late: true });
    expect(retried?.hop?.late).toBe(true);
  });

  it('highlights failures with their reason, and retries', () => {
    const [, , failed, retried] = flow.steps;
    expect(failed).toMatchObject({ failed: true, error: 'BridgeFullError', retry: false });
    expect(retried).toMatchObject({ failed: false, retry: true });
    expect(flow.failures).toBe(1);
    expect(flow.retries).toBe(1);
  });

  it('draws the waterfall to scale, children indented under their parents', () => {
    const rows = new Map(flow.rows.map((r) => [r.spanId, r]));
    expect(rows.get('a')).toMatchObject({ depth: 0, offsetPct: 0 });
    expect(rows.get('d')?.depth).toBe(2);
    expect(rows.get('d')?.offsetPct).toBeCloseTo((2_560 / 3_010) * 100, 5);
    expect(rows.get('d')?.failed).toBe(true);
  });

  it('collects the business keys it carries', () => {
    expect(flow.keys).toEqual({ 'switchboard.order.id': ['o-1'] });
  });
});

describe('catalog topics in span names', () => {
  it('are found under any prefix, and retry topics name their base topic', () => {
    expect(catalogTopicOf('orders.order-placed.v1')).toEqual({
      topic: 'orders.order-placed.v1',
      retry: false,
    });
    expect(catalogTopicOf('staging.billing.call-charged.v1.crm.retry')).toEqual({
      topic: 'billing.call-charged.v1',
      retry: true,
    });
    expect(catalogTopicOf('something.else')).toBeUndefined();
  });
});

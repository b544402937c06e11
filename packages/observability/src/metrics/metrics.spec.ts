import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.ts';
import { sample } from '../../test/prometheus-text.ts';

describe('Metrics', () => {
  it('makes each latency objective a bound of the event-age histogram, so the share within it is exact', async () => {
    const metrics = new Metrics({
      service: 'orders',
      collectDefault: false,
      latencyObjectivesSeconds: [2, 5],
    });
    const topic = 'conference.bridge-reserved.v1';
    metrics.messaging.eventAge(topic, 1900);
    metrics.messaging.eventAge(topic, 2100);
    const text = await metrics.text();
    expect(sample(text, 'messaging_event_age_seconds_bucket', { topic, service: 'orders', le: '2' })).toBe(1);
    expect(sample(text, 'messaging_event_age_seconds_bucket', { topic, service: 'orders', le: '2.5' })).toBe(
      2,
    );
    expect(sample(text, 'messaging_event_age_seconds_count', { topic, service: 'orders' })).toBe(2);
  });

  it('counts messaging events under their topic and error class, durations in seconds', async () => {
    const metrics = new Metrics({ service: 'billing', collectDefault: false });
    const topic = 'orders.order-placed.v1';
    metrics.messaging.published(topic);
    metrics.messaging.published(topic);
    metrics.messaging.consumed(topic);
    metrics.messaging.failed(topic, 'RateNotFoundError');
    metrics.messaging.retried(topic);
    metrics.messaging.deadLettered(topic, 'RateNotFoundError');
    metrics.messaging.handlerDuration(topic, 40);
    metrics.messaging.eventAge(topic, 2500);
    metrics.messaging.outboxBacklog(7, 1500);
    metrics.messaging.outboxPublishFailed('KafkaJSConnectionError');
    metrics.messaging.outboxDeadLettered('billing.invoice-issued.v1', 'MESSAGE_TOO_LARGE');

    const text = await metrics.text();
    const service = 'billing';
    expect(sample(text, 'messaging_published_total', { topic, service })).toBe(2);
    expect(sample(text, 'messaging_consumed_total', { topic, service })).toBe(1);
    expect(sample(text, 'messaging_failed_total', { topic, error_class: 'RateNotFoundError', service })).toBe(
      1,
    );
    expect(sample(text, 'messaging_retried_total', { topic, service })).toBe(1);
    expect(
      sample(text, 'messaging_dead_lettered_total', { topic, error_class: 'RateNotFoundError', service }),
    ).toBe(1);
    expect(sample(text, 'messaging_handler_duration_seconds_sum', { topic, service })).toBeCloseTo(0.04);
    expect(sample(text, 'messaging_handler_duration_seconds_bucket', { topic, service, le: '0.05' })).toBe(1);
    expect(sample(text, 'messaging_handler_duration_seconds_bucket', { topic, service, le: '0.025' })).toBe(
      0,
    );
    expect(sample(text, 'messaging_event_age_seconds_sum', { topic, service })).toBeCloseTo(2.5);
    expect(sample(text, 'messaging_outbox_backlog', { service })).toBe(7);
    expect(sample(text, 'messaging_outbox_oldest_age_seconds', { service })).toBe(1.5);
    expect(
      sample(text, 'messaging_outbox_publish_failures_total', {
        error_class: 'KafkaJSConnectionError',
        service,
      }),
    ).toBe(1);
    expect(
      sample(text, 'messaging_outbox_dead_lettered_total', {
        topic: 'billing.invoice-issued.v1',
        error_class: 'MESSAGE_TOO_LARGE',
        service,
      }),
    ).toBe(1);
  });

  it('keeps each instance to its own registry', async () => {
    const orders = new Metrics({ service: 'orders', collectDefault: false });
    const crm = new Metrics({ service: 'crm', collectDefault: false });
    orders.observeHttp('GET', '/v1/orders/:id', 200, 0.012);

    expect(
      sample(await orders.text(), 'http_server_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/orders/:id',
        status_code: '200',
        service: 'orders',
      }),
    ).toBe(1);
    expect(await crm.text()).not.toContain('route="/v1/orders/:id"');
  });

  it('tracks requests in flight until each one ends, once', async () => {
    const metrics = new Metrics({ service: 'orders', collectDefault: false });
    const first = metrics.httpRequestStarted();
    metrics.httpRequestStarted();
    first();
    first();
    expect(sample(await metrics.text(), 'http_server_requests_in_flight', { service: 'orders' })).toBe(1);
  });

  it('includes process and Node.js metrics unless told not to', async () => {
    const withDefaults = await new Metrics({ service: 'mailing' }).text();
    expect(
      sample(withDefaults, 'process_cpu_user_seconds_total', { service: 'mailing' }),
    ).toBeGreaterThanOrEqual(0);
    expect(withDefaults).toContain('nodejs_eventloop_lag_seconds');
    expect(await new Metrics({ service: 'mailing', collectDefault: false }).text()).not.toContain(
      'process_cpu',
    );
  });

  it('names the Prometheus text format as its content type', () => {
    expect(new Metrics({ service: 'crm', collectDefault: false }).contentType).toMatch(
      /^text\/plain; version=0\.0\.4/,
    );
  });
});

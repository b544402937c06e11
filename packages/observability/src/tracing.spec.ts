import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Controller, Get, type INestApplication, Param } from '@nestjs/common';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthModule } from './health/health.module.ts';
import { currentTraceId, startTracing, type Tracing } from './tracing.ts';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly body: Uint8Array;
}

/**
 * An OTLP/HTTP receiver that records what it is sent. It runs in a worker thread, whose node:http
 * the instrumentation in this thread does not patch, so receiving spans makes no spans.
 */
async function startReceiver(): Promise<{ url: string; received: Received[]; stop(): Promise<number> }> {
  const worker = new Worker(
    `
    const { createServer } = require('node:http');
    const { parentPort } = require('node:worker_threads');
    const server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        parentPort.postMessage({ method: req.method, url: req.url, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
    `,
    { eval: true },
  );
  const received: Received[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: { port: number } | Received) => {
      if ('port' in message) resolve(message.port);
      else received.push(message);
    });
  });
  return { url: `http://127.0.0.1:${port}`, received, stop: () => worker.terminate() };
}

async function eventually<T>(probe: () => T | undefined, description: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

@Controller('v1/customers')
class CustomerOrdersController {
  @Get(':customerId/orders')
  list(@Param('customerId') customerId: string): { customerId: string; orders: [] } {
    return { customerId, orders: [] };
  }
}

describe('startTracing', () => {
  const service = `tracing-spec-${randomUUID().slice(0, 8)}`;
  const memory = new InMemorySpanExporter();
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let tracing: Tracing;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    receiver = await startReceiver();
    tracing = startTracing({
      service,
      endpoint: receiver.url,
      spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
    });
  });

  afterAll(async () => {
    await app?.close();
    await tracing.shutdown();
    await receiver.stop();
  });

  it('starts once per process', () => {
    expect(startTracing({ service, endpoint: 'http://127.0.0.1:1' })).toBe(tracing);
  });

  it('tells the active trace id, and none outside a span', () => {
    expect(currentTraceId()).toBeUndefined();
    const [inside, own] = trace.getTracer('tracing-spec').startActiveSpan('tracing-spec.current', (span) => {
      span.end();
      return [currentTraceId(), span.spanContext().traceId];
    });
    expect(inside).toBe(own);
  });

  it('traces HTTP requests by route, without their query string, and not the health probes', async () => {
    // As in a service's main.ts: the application loads only once tracing has started.
    const { Test } = await import('@nestjs/testing');
    const { Metrics, MetricsModule } = await import('./index.ts');
    const moduleRef = await Test.createTestingModule({
      imports: [
        HealthModule.forRoot(),
        MetricsModule.forRoot(new Metrics({ service, collectDefault: false })),
      ],
      controllers: [CustomerOrdersController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();

    const response = await fetch(`${base}/v1/customers/c-42/orders?email=jane%40example.com&page=2`);
    expect(response.status).toBe(200);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);

    const isServer = (span: ReadableSpan): boolean => span.kind === SpanKind.SERVER;
    const server = await eventually(
      () =>
        memory
          .getFinishedSpans()
          .find((span) => isServer(span) && span.attributes['url.path'] === '/v1/customers/c-42/orders'),
      'the server span',
    );
    expect(server.name).toBe('GET /v1/customers/:customerId/orders');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/v1/customers/:customerId/orders',
      'http.response.status_code': 200,
    });
    const handlers = memory
      .getFinishedSpans()
      .filter((span) => span.spanContext().traceId === server.spanContext().traceId && span !== server);
    expect(handlers.map((span) => span.attributes['express.name'])).toEqual([
      '/v1/customers/:customerId/orders',
    ]);
    expect(server.attributes).not.toHaveProperty('url.query');
    expect(server.attributes).not.toHaveProperty('client.address');
    const everyValue = memory
      .getFinishedSpans()
      .flatMap((span) => Object.values(span.attributes).map(String));
    expect(everyValue.filter((value) => /jane|example\.com|page=2/.test(value))).toEqual([]);
    expect(
      memory
        .getFinishedSpans()
        .filter((span) => isServer(span) && span.attributes['url.path'] === '/health/live'),
    ).toEqual([]);
  });

  it('sends the spans still pending over OTLP/HTTP when shut down', async () => {
    trace.getTracer('tracing-spec').startSpan('tracing-spec.last-words').end();
    await tracing.shutdown();

    const export_ = await eventually(
      () => receiver.received.find((r) => Buffer.from(r.body).includes('tracing-spec.last-words')),
      'the export request',
    );
    expect(export_.method).toBe('POST');
    expect(export_.url).toBe('/v1/traces');
    expect(Buffer.from(export_.body).includes(service)).toBe(true);
  });
});

import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { startTracing } from './tracing.ts';

/** A pino destination that keeps every line it is given. */
function capture(): { readonly stream: Writable; lines(): Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('createLogger', () => {
  const tracing = startTracing({ service: 'logger-spec' });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('puts the trace and span id of the active span on each line, and none outside a span', () => {
    const out = capture();
    const logger = createLogger('billing', 'info', out.stream);

    logger.info({ event: 'billing.started' }, 'billing.started');
    const ids = trace.getTracer('logger-spec').startActiveSpan('billing.rate-call', (span) => {
      logger.info({ event: 'billing.call.rated' }, 'billing.call.rated');
      span.end();
      return span.spanContext();
    });

    const [outside, inside] = out.lines();
    expect(outside).toMatchObject({ service: 'billing', level: 'info', event: 'billing.started' });
    expect(outside).not.toHaveProperty('traceId');
    expect(inside).toMatchObject({
      service: 'billing',
      event: 'billing.call.rated',
      traceId: ids.traceId,
      spanId: ids.spanId,
    });
    expect(inside?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps the trace id across an await inside the span', async () => {
    const out = capture();
    const logger = createLogger('crm', 'info', out.stream);

    const traceId = await trace.getTracer('logger-spec').startActiveSpan('crm.view.refresh', async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.info({ event: 'crm.view.refreshed' }, 'crm.view.refreshed');
      span.end();
      return span.spanContext().traceId;
    });

    expect(out.lines()[0]).toMatchObject({ event: 'crm.view.refreshed', traceId });
  });

  it('leaves out lines below its level', () => {
    const out = capture();
    createLogger('mailing', 'warn', out.stream).info('mailing.ignored');
    expect(out.lines()).toEqual([]);
  });
});

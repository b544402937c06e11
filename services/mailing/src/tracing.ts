import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@switchboard/messaging';

const tracer = trace.getTracer('@switchboard/mailing');

/**
 * Runs `work` in a CLIENT span whose parent is a stored W3C trace context (`traceparent`,
 * `tracestate`) — the trace of what asked for the work, even long after, in another process.
 * Whatever `work` starts or enqueues follows from this span. Attributes hold ids, never personal
 * data; an error marks the span failed by its class only, as its message may name an address.
 */
export async function inStoredTrace<T>(
  name: string,
  stored: Readonly<Record<string, string>>,
  attributes: Readonly<Record<string, string | number>>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext({ ...stored });
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'Error' });
    throw error;
  } finally {
    span.end();
  }
}

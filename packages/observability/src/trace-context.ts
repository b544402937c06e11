import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/** The active span's ids, when there is an active span with a valid context. */
export function activeSpanIds(): { readonly traceId: string; readonly spanId: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/**
 * The trace id of the active span (32 hex digits), or undefined outside any span, e.g. to put
 * into a problem+json response so a caller can quote it.
 */
export function currentTraceId(): string | undefined {
  return activeSpanIds()?.traceId;
}

/**
 * The active trace context as W3C headers (`traceparent`, `tracestate`), to keep with work that
 * runs later — a period close, a queued email, a campaign's letters — so that work continues the
 * trace of the request or event that asked for it.
 */
export function captureTraceContext(from: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier;
}

/** What a span in a stored trace is: its kind (INTERNAL unless said), attributes and links. */
export interface StoredTraceSpan {
  readonly kind?: SpanKind;
  /** Ids, never personal data. */
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  readonly links?: readonly Link[];
}

/**
 * Runs `work` in a span whose parent is a stored trace context (from `captureTraceContext`) — the
 * trace of what asked for the work, even long after, in another process; without one, the span
 * continues the active trace (or starts one). Whatever `work` starts or enqueues follows from
 * this span. A failure marks the span failed by the error's class only, since its message may
 * quote personal data (an address, a name).
 */
export async function inStoredTrace<T>(
  name: string,
  stored: Readonly<Record<string, string>>,
  span: StoredTraceSpan,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const extracted = propagation.extract(ROOT_CONTEXT, { ...stored });
  const parent = trace.getSpan(extracted) ? extracted : context.active();
  const tracer = trace.getTracer('@switchboard/observability');
  const active = tracer.startSpan(
    name,
    {
      kind: span.kind ?? SpanKind.INTERNAL,
      attributes: { ...span.attributes },
      links: [...(span.links ?? [])],
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, active), () => work(active));
  } catch (error) {
    active.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'Error' });
    throw error;
  } finally {
    active.end();
  }
}

/** The span context a stored trace context names, to link to it (e.g. the request behind a batch). */
export function storedSpanContext(stored: Readonly<Record<string, string>>): SpanContext | undefined {
  return trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { ...stored }));
}

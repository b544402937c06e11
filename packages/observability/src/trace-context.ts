import { trace } from '@opentelemetry/api';

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

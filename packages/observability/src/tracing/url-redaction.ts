import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { withoutQuery } from '../http-paths.ts';

/** Span attributes whose value is a URL or a path that may end in a query string. */
const URL_ATTRIBUTES = ['url.full', 'http.url', 'http.target'] as const;
/** Attributes that hold nothing but a query string. */
const QUERY_ATTRIBUTES = ['url.query'] as const;
export const REDACTED = 'REDACTED';

/**
 * Removes query strings (which may carry e-mail addresses and other personal data) from the URL
 * attributes of every span, whichever instrumentation set them: when the span starts and again just
 * before it ends. A span processor cannot delete an attribute, so a query-only attribute that
 * another instrumentation set reads `REDACTED`; the http server spans never get one (see
 * `startIncomingSpanHook` in tracing.ts). Register it before any exporting processor.
 */
export class UrlQueryRedactor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    redact(span);
  }

  onEnding(span: Span): void {
    redact(span);
  }

  onEnd(_span: ReadableSpan): void {}

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

function redact(span: Span): void {
  const attributes = span.attributes;
  for (const key of URL_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value === 'string' && /[?#]/.test(value)) span.setAttribute(key, withoutQuery(value));
  }
  for (const key of QUERY_ATTRIBUTES) {
    const value = attributes[key];
    if (value !== undefined && value !== REDACTED) span.setAttribute(key, REDACTED);
  }
}

import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { REDACTED, UrlQueryRedactor } from './url-redaction.ts';

describe('UrlQueryRedactor', () => {
  it('removes query strings from URL attributes set at the start or later, before any exporter sees them', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new UrlQueryRedactor(), new SimpleSpanProcessor({ exporter })],
    });
    const span = provider.getTracer('spec').startSpan('GET', {
      attributes: {
        'url.full': 'http://crm:3000/v1/contacts?email=jane%40example.com',
        'url.query': 'email=jane%40example.com',
        'url.path': '/v1/contacts',
      },
    });
    span.setAttribute('http.target', '/v1/contacts?email=jane%40example.com');
    span.end();
    await provider.forceFlush();

    const [exported] = exporter.getFinishedSpans();
    expect(exported?.attributes).toEqual({
      'url.full': 'http://crm:3000/v1/contacts',
      'url.query': REDACTED,
      'url.path': '/v1/contacts',
      'http.target': '/v1/contacts',
    });
    await provider.shutdown();
  });
});

import { randomUUID } from 'node:crypto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { describe, expect, it } from 'vitest';
import { JaegerReader, stackEndpoints, waitFor } from '@switchboard/testing';

describe('Jaeger', () => {
  const endpoints = stackEndpoints();

  it('receives a span over OTLP and serves it back through its query API', async () => {
    const serviceName = `smoke-${randomUUID().slice(0, 8)}`;
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
      spanProcessors: [
        new SimpleSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `${endpoints.otlpHttpUrl}/v1/traces` }),
        }),
      ],
    });
    const span = provider.getTracer('smoke').startSpan('smoke.ping');
    const { traceId, spanId } = span.spanContext();
    span.end();
    await provider.forceFlush();
    await provider.shutdown();

    const jaeger = new JaegerReader(endpoints.jaegerQueryUrl);
    const trace = await waitFor(() => jaeger.trace(traceId), {
      description: `trace ${traceId} in Jaeger`,
      timeoutMs: 20_000,
    });
    const stored = trace.spans.find((s) => s.spanID === spanId);
    expect(stored?.operationName).toBe('smoke.ping');
    expect(trace.processes[stored?.processID ?? '']?.serviceName).toBe(serviceName);
    expect(await jaeger.services()).toContain(serviceName);
  });
});

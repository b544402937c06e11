import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

const tracer = () => trace.getTracer('@switchboard/messaging');

/** Reads W3C trace headers (`traceparent`, `tracestate`) from Kafka record headers. */
const headerGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** The trace context a record carries, to continue the producer's trace in the consumer. */
export function extractTraceContext(headers: IHeaders | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers ?? {}, headerGetter);
}

/** Writes the given (by default the active) trace context into record headers. */
export function injectTraceContext(headers: Record<string, string>, from?: Context): void {
  propagation.inject(from ?? context.active(), headers);
}

interface SpanAttributes {
  readonly topic: string;
  readonly key?: string;
  readonly eventId?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly consumerGroup?: string;
}

function attributes(operation: 'send' | 'process', a: SpanAttributes): Record<string, string | number> {
  const out: Record<string, string | number> = {
    'messaging.system': 'kafka',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation === 'send' ? 'publish' : 'process',
    'messaging.destination.name': a.topic,
  };
  // Keys and event ids are UUIDs of aggregates and events, never personal data.
  if (a.key !== undefined) out['messaging.kafka.message.key'] = a.key;
  if (a.eventId !== undefined) out['messaging.message.id'] = a.eventId;
  if (a.partition !== undefined) out['messaging.destination.partition.id'] = String(a.partition);
  if (a.offset !== undefined) out['messaging.kafka.offset'] = Number(a.offset);
  if (a.consumerGroup !== undefined) out['messaging.consumer.group.name'] = a.consumerGroup;
  return out;
}

type Operation = 'send' | 'process';

/** `publish <topic>` (PRODUCER) or `process <topic>` (CONSUMER), child of `parent`, not yet ended. */
function startSpan(operation: Operation, a: SpanAttributes, parent: Context): Span {
  const [verb, kind] = operation === 'send' ? ['publish', SpanKind.PRODUCER] : ['process', SpanKind.CONSUMER];
  return tracer().startSpan(`${verb} ${a.topic}`, { kind, attributes: attributes(operation, a) }, parent);
}

/** Runs `work` in a PRODUCER span `publish <topic>`, child of `parent` (default: the active context). */
export function withPublishSpan<T>(
  a: SpanAttributes,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return runInSpan(startSpan('send', a, parent), parent, work);
}

/** Runs `work` in a CONSUMER span `process <topic>` that continues the record's trace. */
export function withProcessSpan<T>(
  a: SpanAttributes,
  parent: Context,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return runInSpan(startSpan('process', a, parent), parent, work);
}

/**
 * Starts (without ending) a PRODUCER span `publish <topic>`, child of `parent`, for a record sent
 * in a batch: the caller ends it once the broker acknowledged the batch, or fails it.
 */
export function startPublishSpan(a: SpanAttributes, parent: Context): Span {
  return startSpan('send', a, parent);
}

/** Starts (without ending) a CONSUMER span `process <topic>` that continues the record's trace. */
export function startProcessSpan(a: SpanAttributes, parent: Context): Span {
  return startSpan('process', a, parent);
}

/** Marks a span failed: the exception as a span event, the error's class as its status. */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
}

async function runInSpan<T>(span: Span, parent: Context, work: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

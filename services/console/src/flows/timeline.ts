import { BUSINESS_KEYS, TOPICS, type TopicName } from '@switchboard/contracts';
import type { JaegerSpan, JaegerTrace } from '@switchboard/observability';

/** One step of a flow as a person reads it: a request, an event published or handled, a piece of work. */
export interface Step {
  readonly spanId: string;
  readonly service: string;
  readonly name: string;
  readonly kind: 'request' | 'publish' | 'process' | 'work';
  /** The catalog topic of a publish or process step (environment prefix and retry suffix removed). */
  readonly topic: TopicName | undefined;
  /** Milliseconds from the start of the trace. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly failed: boolean;
  /** Handled from a retry topic: an earlier attempt failed. */
  readonly retry: boolean;
  /** For a process step: the time since the event was published, against the topic's objective. */
  readonly hop: { readonly ms: number; readonly objectiveMs: number; readonly late: boolean } | undefined;
  readonly error: string | undefined;
}

/** One bar of the span waterfall. */
export interface WaterfallRow {
  readonly spanId: string;
  readonly depth: number;
  readonly service: string;
  readonly name: string;
  readonly startMs: number;
  readonly durationMs: number;
  /** Where the bar starts and how wide it is, in percent of the trace's duration. */
  readonly offsetPct: number;
  readonly widthPct: number;
  readonly failed: boolean;
}

export interface Flow {
  readonly traceId: string;
  /** Epoch milliseconds of the first span. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** The services in the order they joined the flow. */
  readonly services: readonly string[];
  readonly steps: readonly Step[];
  readonly rows: readonly WaterfallRow[];
  readonly failures: number;
  readonly retries: number;
  /** The business keys found on its spans, by attribute (`switchboard.order.id` → ids). */
  readonly keys: Readonly<Record<string, readonly string[]>>;
}

const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;

const BUSINESS_ATTRIBUTES: ReadonlySet<string> = new Set(
  Object.values(BUSINESS_KEYS).map((k) => k.attribute),
);

const CATALOG_TOPICS = Object.keys(TOPICS) as TopicName[];

/**
 * The catalog topic a span's destination names: `<prefix><topic>` or its retry topic
 * `<prefix><topic>.<consumer>.retry`; undefined for any other name.
 */
export function catalogTopicOf(destination: string): { topic: TopicName; retry: boolean } | undefined {
  const retry = /\.[a-z-]+\.retry$/.test(destination);
  const base = retry ? destination.replace(/\.[a-z-]+\.retry$/, '') : destination;
  const topic = CATALOG_TOPICS.find((t) => base === t || base.endsWith(t));
  return topic ? { topic, retry } : undefined;
}

function failed(span: JaegerSpan): boolean {
  return tag(span, 'otel.status_code') === 'ERROR' || tag(span, 'error') === true;
}

function errorOf(span: JaegerSpan): string | undefined {
  const status = tag(span, 'otel.status_description');
  if (typeof status === 'string' && status !== '') return status;
  for (const log of span.logs ?? []) {
    const type = log.fields.find((f) => f.key === 'exception.type')?.value;
    if (typeof type === 'string') return type;
  }
  return failed(span) ? 'failed' : undefined;
}

const parentOf = (span: JaegerSpan): string | undefined =>
  span.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === span.traceID)?.spanID;

function kindOf(span: JaegerSpan): Step['kind'] | undefined {
  // express's own spans (its request handler, middleware) are details of the request they serve,
  // even where they carry its business keys (an event enqueued while they were active).
  if (tag(span, 'express.type') !== undefined) return undefined;
  const kind = tag(span, 'span.kind');
  // A request the service answered (the framework's own middleware spans are details).
  if (kind === 'server')
    return tag(span, 'http.request.method') !== undefined || tag(span, 'http.method') !== undefined
      ? 'request'
      : undefined;
  if (kind === 'producer') return 'publish';
  if (kind === 'consumer') return 'process';
  // Database and outgoing HTTP calls are details of the waterfall; work tagged with a business key
  // (issuing an invoice, sending an email) is a step.
  if (tag(span, 'db.system') !== undefined || tag(span, 'db.system.name') !== undefined) return undefined;
  return span.tags.some((t) => BUSINESS_ATTRIBUTES.has(t.key)) ? 'work' : undefined;
}

/** A trace as the console shows it: its steps across services, and the waterfall of every span. */
export function flowOf(trace: JaegerTrace): Flow {
  const spans = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const start = spans[0]?.startTime ?? 0;
  const end = Math.max(start, ...spans.map((s) => s.startTime + s.duration));
  const total = Math.max(1, end - start);
  const serviceOf = (span: JaegerSpan): string => trace.processes[span.processID]?.serviceName ?? 'unknown';
  const ms = (micros: number): number => Math.round(micros / 100) / 10;

  const depth = new Map<string, number>();
  const depthOf = (span: JaegerSpan, seen = new Set<string>()): number => {
    const known = depth.get(span.spanID);
    if (known !== undefined) return known;
    const parent = parentOf(span);
    const parentSpan = parent === undefined ? undefined : byId.get(parent);
    const d = parentSpan && !seen.has(span.spanID) ? depthOf(parentSpan, seen.add(span.spanID)) + 1 : 0;
    depth.set(span.spanID, d);
    return d;
  };

  /** The nearest producer span above a consumer span: where its event was published. */
  const publisherOf = (span: JaegerSpan): JaegerSpan | undefined => {
    for (let id = parentOf(span), hops = 0; id !== undefined && hops < 50; hops++) {
      const parent = byId.get(id);
      if (!parent) return undefined;
      if (tag(parent, 'span.kind') === 'producer') return parent;
      id = parentOf(parent);
    }
    return undefined;
  };

  const steps: Step[] = [];
  for (const span of spans) {
    const kind = kindOf(span);
    if (!kind) continue;
    const destination = tag(span, 'messaging.destination.name');
    const found = typeof destination === 'string' ? catalogTopicOf(destination) : undefined;
    let hop: Step['hop'];
    if (kind === 'process' && found) {
      const publisher = publisherOf(span);
      if (publisher) {
        const hopMs = ms(span.startTime - publisher.startTime);
        const objectiveMs = TOPICS[found.topic].latencyObjectiveMs;
        hop = { ms: hopMs, objectiveMs, late: hopMs > objectiveMs };
      }
    }
    steps.push({
      spanId: span.spanID,
      service: serviceOf(span),
      name: span.operationName,
      kind,
      topic: found?.topic,
      startMs: ms(span.startTime - start),
      durationMs: ms(span.duration),
      failed: failed(span),
      retry: found?.retry ?? false,
      hop,
      error: failed(span) ? errorOf(span) : undefined,
    });
  }

  const rows: WaterfallRow[] = spans.map((span) => ({
    spanId: span.spanID,
    depth: depthOf(span),
    service: serviceOf(span),
    name: span.operationName,
    startMs: ms(span.startTime - start),
    durationMs: ms(span.duration),
    offsetPct: ((span.startTime - start) / total) * 100,
    widthPct: Math.max(0.2, (span.duration / total) * 100),
    failed: failed(span),
  }));

  const keys: Record<string, string[]> = {};
  for (const span of spans)
    for (const t of span.tags)
      if (BUSINESS_ATTRIBUTES.has(t.key) && typeof t.value === 'string') {
        const list = (keys[t.key] ??= []);
        if (!list.includes(t.value)) list.push(t.value);
      }

  const services: string[] = [];
  for (const span of spans) if (!services.includes(serviceOf(span))) services.push(serviceOf(span));

  return {
    traceId: trace.traceID,
    startedAt: Math.round(start / 1000),
    durationMs: ms(end - start),
    services,
    steps,
    rows,
    failures: spans.filter(failed).length,
    retries: steps.filter((s) => s.retry).length,
    keys,
  };
}

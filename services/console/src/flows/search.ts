import { BUSINESS_KEYS, type BusinessKey } from '@switchboard/contracts';
import type { JaegerClient, JaegerTrace } from '@switchboard/observability';
import { type Flow, flowOf } from './timeline.ts';

/** The keys a flow is searched by, in the order the search form offers them. */
export const SEARCHABLE: readonly BusinessKey[] = [
  'order',
  'customer',
  'call',
  'invoiceNumber',
  'invoice',
  'campaign',
];

export function isSearchable(kind: unknown): kind is BusinessKey {
  return typeof kind === 'string' && (SEARCHABLE as readonly string[]).includes(kind);
}

/** Ids are UUIDs; an invoice number is printed text such as `INV-2026-000042`. */
const VALUE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export class InvalidSearchError extends Error {}

/**
 * Every trace of one business key, across every service Jaeger knows: each service is asked for
 * the traces with a span of its carrying the key's attribute, and the answers are merged by trace
 * (a trace crosses services, so several answer it). An invoice number also brings the flows of the
 * invoice's id: the calls charged to it, which carry the id before the invoice has a number.
 */
export class FlowSearch {
  constructor(private readonly jaeger: JaegerClient) {}

  async search(kind: BusinessKey, value: string): Promise<Flow[]> {
    const trimmed = value.trim();
    if (!VALUE.test(trimmed))
      throw new InvalidSearchError(`"${trimmed.slice(0, 100)}" is not an id or an invoice number`);
    const services = await this.jaeger.services();
    const traces = new Map<string, JaegerTrace>();
    const collect = async (attribute: string, wanted: string): Promise<void> => {
      const answers = await Promise.all(services.map((s) => this.jaeger.find(s, { [attribute]: wanted })));
      for (const trace of answers.flat()) {
        const known = traces.get(trace.traceID);
        if (!known || known.spans.length < trace.spans.length) traces.set(trace.traceID, trace);
      }
    };
    await collect(BUSINESS_KEYS[kind].attribute, trimmed);
    if (kind === 'invoiceNumber') {
      const ids = new Set<string>();
      for (const flow of [...traces.values()].map(flowOf))
        for (const id of flow.keys[BUSINESS_KEYS.invoice.attribute] ?? []) ids.add(id);
      for (const id of ids) await collect(BUSINESS_KEYS.invoice.attribute, id);
    }
    return [...traces.values()].map(flowOf).sort((a, b) => b.startedAt - a.startedAt);
  }
}

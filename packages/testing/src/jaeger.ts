/** A span as Jaeger's query API returns it. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: string; traceID: string; spanID: string }[];
  readonly processID: string;
  readonly tags: readonly { key: string; value: unknown }[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string }>>;
}

/** Reads traces back from Jaeger's HTTP query API. */
export class JaegerReader {
  constructor(private readonly queryUrl: string) {}

  /** The trace with this id, or undefined while Jaeger does not have it (yet). */
  async trace(traceId: string): Promise<JaegerTrace | undefined> {
    const response = await fetch(`${this.queryUrl}/api/traces/${traceId}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET /api/traces/${traceId} answered HTTP ${response.status}`);
    const body = (await response.json()) as { data?: JaegerTrace[] };
    return body.data?.[0];
  }

  /** Traces with a span of `service` carrying every one of `tags` (Jaeger's search). */
  async find(service: string, tags: Readonly<Record<string, string>>): Promise<JaegerTrace[]> {
    const query = new URLSearchParams({ service, tags: JSON.stringify(tags), limit: '20' });
    const response = await fetch(`${this.queryUrl}/api/traces?${query.toString()}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`GET /api/traces answered HTTP ${response.status}`);
    return ((await response.json()) as { data?: JaegerTrace[] | null }).data ?? [];
  }

  /** The services Jaeger has received spans from. */
  async services(): Promise<string[]> {
    const response = await fetch(`${this.queryUrl}/api/services`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET /api/services answered HTTP ${response.status}`);
    return ((await response.json()) as { data?: string[] | null }).data ?? [];
  }
}

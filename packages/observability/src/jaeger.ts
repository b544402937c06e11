/** A span as Jaeger's query API (`/api/traces`) returns it; times in microseconds. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly {
    readonly refType: string;
    readonly traceID: string;
    readonly spanID: string;
  }[];
  readonly startTime: number;
  readonly duration: number;
  readonly processID: string;
  readonly tags: readonly { readonly key: string; readonly value: unknown }[];
  readonly logs?: readonly {
    readonly timestamp: number;
    readonly fields: readonly { key: string; value: unknown }[];
  }[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

/** Reads traces back from Jaeger's HTTP query API: the services it knows, traces by id and by tags. */
export class JaegerClient {
  constructor(private readonly queryUrl: string) {}

  private async get<T>(path: string): Promise<T | undefined> {
    const response = await fetch(`${this.queryUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`Jaeger answered HTTP ${response.status} to GET ${path.split('?')[0]}`);
    return ((await response.json()) as { data?: T }).data;
  }

  /** The trace with this id, or undefined while Jaeger does not have it (yet). */
  async trace(traceId: string): Promise<JaegerTrace | undefined> {
    if (!/^[0-9a-f]{1,32}$/.test(traceId)) return undefined;
    return (await this.get<JaegerTrace[]>(`/api/traces/${traceId}`))?.[0];
  }

  /** Traces with a span of `service` carrying every one of `tags` (Jaeger's search), newest first. */
  async find(service: string, tags: Readonly<Record<string, string>>, limit = 20): Promise<JaegerTrace[]> {
    const query = new URLSearchParams({
      service,
      tags: JSON.stringify(tags),
      limit: String(limit),
      lookback: '7d',
    });
    return (await this.get<JaegerTrace[] | null>(`/api/traces?${query.toString()}`)) ?? [];
  }

  /** The services Jaeger has received spans from. */
  async services(): Promise<string[]> {
    return (await this.get<string[] | null>('/api/services')) ?? [];
  }
}

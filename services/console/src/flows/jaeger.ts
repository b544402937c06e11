/** A span as Jaeger's query API (`/api/traces`) returns it; times in microseconds. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references?: readonly {
    readonly refType: string;
    readonly spanID: string;
    readonly traceID: string;
  }[];
  readonly startTime: number;
  readonly duration: number;
  readonly tags?: readonly { readonly key: string; readonly value: unknown }[];
  readonly logs?: readonly {
    readonly timestamp: number;
    readonly fields: readonly { key: string; value: unknown }[];
  }[];
  readonly processID: string;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

/** Jaeger's HTTP query API: the services it knows, and traces searched by tags. */
export class JaegerClient {
  constructor(private readonly baseUrl: string) {}

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`Jaeger answered ${response.status} to GET ${path.split('?')[0]}`);
    return ((await response.json()) as { data: T }).data;
  }

  async services(): Promise<string[]> {
    return (await this.get<string[] | null>('/api/services')) ?? [];
  }

  /** Traces with a span of `service` carrying every tag, newest first (at most `limit`). */
  async find(service: string, tags: Readonly<Record<string, string>>, limit = 20): Promise<JaegerTrace[]> {
    const query = new URLSearchParams({
      service,
      tags: JSON.stringify(tags),
      limit: String(limit),
      lookback: '7d',
    });
    return (await this.get<JaegerTrace[] | null>(`/api/traces?${query.toString()}`)) ?? [];
  }

  async trace(traceId: string): Promise<JaegerTrace | undefined> {
    if (!/^[0-9a-f]{1,32}$/.test(traceId)) return undefined;
    const response = await fetch(`${this.baseUrl}/api/traces/${traceId}`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`Jaeger answered ${response.status} to GET /api/traces/{id}`);
    return ((await response.json()) as { data: JaegerTrace[] }).data[0];
  }
}

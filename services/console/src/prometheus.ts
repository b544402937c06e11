/** One sample of an instant vector. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Prometheus's HTTP query API (`/api/v1/query`, `/api/v1/alerts`). */
export class PrometheusClient {
  constructor(private readonly baseUrl: string) {}

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    const answer = (await response.json().catch(() => ({}))) as { status?: string; data?: T; error?: string };
    if (!response.ok || answer.status !== 'success' || answer.data === undefined)
      throw new Error(`Prometheus answered ${response.status}${answer.error ? `: ${answer.error}` : ''}`);
    return answer.data;
  }

  async query(expr: string): Promise<Sample[]> {
    const data = await this.get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      `/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`,
    );
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** The alerts pending or firing now. */
  async alerts(): Promise<
    { labels: Record<string, string>; state: string; annotations: Record<string, string> }[]
  > {
    return (
      await this.get<{
        alerts: { labels: Record<string, string>; state: string; annotations: Record<string, string> }[];
      }>('/api/v1/alerts')
    ).alerts;
  }
}

/** A value read for a page, or why it could not be read (the page still renders). */
export type Reading<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export async function reading<T>(read: () => Promise<T>): Promise<Reading<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Something a service needs before it can do its work; `check` rejects while it is unavailable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export interface HealthReport {
  readonly status: 'up' | 'down';
  readonly checks: Readonly<Record<string, { readonly status: 'up' | 'down'; readonly error?: string }>>;
}

/** Runs every check concurrently, each bounded by a timeout so a hung dependency reads as down. */
export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs = 3000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
          ),
        ]);
        return [c.name, { status: 'up' as const }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [c.name, { status: 'down' as const, error: message }] as const;
      }
    }),
  );
  return {
    status: results.every(([, r]) => r.status === 'up') ? 'up' : 'down',
    checks: Object.fromEntries<HealthReport['checks'][string]>(results),
  };
}

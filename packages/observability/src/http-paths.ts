/** `url` without its query string and fragment (`/v1/orders?email=x` → `/v1/orders`). */
export function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** The endpoints probes and scrapers call: never traced, never counted as traffic. */
export function isOperationalPath(url: string | undefined): boolean {
  const path = withoutQuery(url ?? '/');
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

/**
 * Whether an express route template is nothing but a wildcard (`/{*path}`, `*path`), such as the
 * not-found route NestJS mounts under a global prefix: it names no endpoint.
 */
export function isCatchAllRoute(path: string): boolean {
  return /^\/?(\*\w*|\{\/?\*\w*\})$/.test(path);
}

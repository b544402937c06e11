/** The service's database (`SqlDatabase`), for repositories, the outbox and the inbox. */
export const DATABASE = Symbol('DATABASE');
/** The service's parsed configuration, as its `loadConfig` returned it. */
export const CONFIG = Symbol('CONFIG');
/** The service's pino logger (the one given to `startService`), for work outside requests. */
export const LOGGER = Symbol('LOGGER');
/** The service's `PublicUrl`: where other systems reach its API (for links in what it publishes). */
export const PUBLIC_URL = Symbol('PUBLIC_URL');

/**
 * Where other systems reach the service's API: `PUBLIC_URL` when set, otherwise the address it
 * listens on (known once it listens; a wildcard host is given as loopback).
 */
export class PublicUrl {
  private listening: string | undefined;

  constructor(private readonly configured: string | undefined) {}

  /** Told by the start-up sequence once the HTTP server listens. */
  listeningOn(host: string, port: number): void {
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    this.listening = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  }

  /** The base URL, without a trailing slash. */
  get value(): string {
    const url = this.configured ?? this.listening;
    if (url === undefined) throw new Error('the service is not listening yet, and PUBLIC_URL is not set');
    return url;
  }
}

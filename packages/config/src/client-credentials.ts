import { LOCAL_OIDC_ISSUER } from './index.ts';
import { secretFromEnv } from './env.ts';

/**
 * The token endpoint of an issuer where it says nothing else (`OIDC_TOKEN_URL`): Keycloak's layout,
 * `<issuer>/protocol/openid-connect/token`.
 */
export function tokenUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/protocol/openid-connect/token`;
}

/** Where and as whom a client gets its access tokens (OAuth 2.0 client credentials grant). */
export interface ClientCredentialsOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Access tokens of one OAuth 2.0 client, for its calls to other APIs: fetched with the client
 * credentials grant, cached per set of scopes until shortly before they expire. The secret goes in
 * the request body only, never in a URL or a log line.
 */
export class ClientCredentials {
  private readonly cache = new Map<string, { token: string; until: number }>();
  /** Requests under way, so that hundreds of concurrent callers (a month-end close) ask once. */
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(private readonly options: ClientCredentialsOptions) {}

  get clientId(): string {
    return this.options.clientId;
  }

  /** A token carrying `scopes` (the client's default scopes when none are named). */
  async token(scopes: readonly string[] = []): Promise<string> {
    const key = [...scopes].sort().join(' ');
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.token;
    let pending = this.fetching.get(key);
    if (!pending) {
      pending = this.fetchToken(key, scopes).finally(() => this.fetching.delete(key));
      this.fetching.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(key: string, scopes: readonly string[]): Promise<string> {
    const response = await fetch(this.options.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      const { error } = (await response.json().catch(() => ({}))) as { error?: string };
      throw new Error(
        `${this.options.tokenUrl} refused a token to client ${this.options.clientId}: HTTP ${response.status}${error ? ` (${error})` : ''}`,
      );
    }
    const body = (await response.json()) as { access_token: string; expires_in?: number };
    // Renewed a little before it expires, so a request never leaves with a token about to lapse.
    const lifetimeMs = (body.expires_in ?? 60) * 1000;
    this.cache.set(key, { token: body.access_token, until: Date.now() + lifetimeMs * 0.8 });
    return body.access_token;
  }
}

/**
 * A program's own OAuth 2.0 client from the environment: `OIDC_CLIENT_ID` (else `defaultClientId`),
 * its secret in `OIDC_CLIENT_SECRET` or the file `OIDC_CLIENT_SECRET_FILE`, and the token endpoint
 * `OIDC_TOKEN_URL` (else Keycloak's under `OIDC_ISSUER_URL`, the local stack's by default).
 * Undefined when no secret is given.
 */
export function clientCredentialsFromEnv(
  defaultClientId: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ClientCredentialsOptions | undefined {
  const clientSecret = secretFromEnv('OIDC_CLIENT_SECRET', env);
  if (!clientSecret) return undefined;
  return {
    tokenUrl: env.OIDC_TOKEN_URL?.trim() || tokenUrlOf(env.OIDC_ISSUER_URL?.trim() || LOCAL_OIDC_ISSUER),
    clientId: env.OIDC_CLIENT_ID?.trim() || defaultClientId,
    clientSecret,
  };
}

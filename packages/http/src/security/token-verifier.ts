import { createRemoteJWKSet, customFetch, errors, type JWTPayload, jwtVerify } from 'jose';
import { AuthenticationProblem, IdentityProviderUnavailable } from './security-errors.ts';

/** Who is calling: the OAuth 2.0 client a verified access token was issued to, and what it may do. */
export interface Caller {
  /** The client id (`client_id`, or `azp` where the provider names it so): logged, never the token. */
  readonly clientId: string;
  /** The token's subject (the client's service account, or a user). */
  readonly subject: string | undefined;
  readonly scopes: ReadonlySet<string>;
}

export interface TokenVerifierOptions {
  /** The issuer's URL, exactly as its tokens' `iss` claim (its discovery document is found under it). */
  readonly issuer: string;
  /** Where its discovery document is read, when not under the issuer (e.g. inside a container network). */
  readonly discoveryUrl?: string;
  /** The audience this API accepts (`aud` must contain it). */
  readonly audience: string;
  /**
   * The least time between two fetches of the issuer's keys. A token signed with an unknown key
   * fetches them again (key rotation needs no restart) once this has passed since the last fetch.
   */
  readonly jwksCooldownMs?: number;
  /**
   * How long fetched keys are trusted before they are fetched again (default one minute): a key the
   * provider stops publishing (revoked) is refused within this time.
   */
  readonly jwksMaxAgeMs?: number;
  /** Clock skew allowed on `exp` and `nbf`. */
  readonly clockToleranceSeconds?: number;
  /**
   * How many verified tokens are remembered (default 1000; 0 remembers none). A client sends the
   * same token with every request until it expires, and checking its signature again each time is
   * most of what authenticating a request costs. A remembered token is taken only until it expires,
   * and only while the keys it was verified with are current: fetching the keys again (rotation,
   * or `jwksMaxAgeMs` passed) forgets every token, so a revoked key is refused as soon as without.
   */
  readonly rememberedTokens?: number;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

/**
 * Verifies JWT access tokens against the issuer's published keys (JWKS, found through its
 * OpenID Connect discovery document and cached), checking signature, issuer, audience and expiry.
 */
export class TokenVerifier {
  private keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  private discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  /** Verified tokens of the current key set, oldest first, each with when it expires (epoch ms). */
  private readonly remembered = new Map<string, { caller: Caller; until: number }>();
  /** Counts the fetches of the issuer's keys, so a token verified across a fetch is not remembered. */
  private keySet = 0;

  constructor(private readonly options: TokenVerifierOptions) {}

  get issuer(): string {
    return this.options.issuer;
  }

  get audience(): string {
    return this.options.audience;
  }

  /** The caller a token stands for; an AuthenticationProblem saying what is wrong with it otherwise. */
  async verify(token: string): Promise<Caller> {
    const keys = await this.jwks();
    const known = this.remembered.get(token);
    if (known && keys.fresh && Date.now() < known.until) return known.caller;
    if (known) this.remembered.delete(token);
    const keySet = this.keySet;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
      }));
    } catch (error) {
      throw this.problemOf(error);
    }
    const clientId = stringClaim(payload, 'client_id') ?? stringClaim(payload, 'azp');
    if (!clientId) throw new AuthenticationProblem('the token names no client (client_id or azp)');
    const scope = stringClaim(payload, 'scope') ?? '';
    const caller: Caller = {
      clientId,
      subject: payload.sub,
      scopes: new Set(scope.split(' ').filter((s) => s !== '')),
    };
    this.remember(token, caller, (payload.exp as number) * 1000, keySet);
    return caller;
  }

  private remember(token: string, caller: Caller, until: number, keySet: number): void {
    const capacity = this.options.rememberedTokens ?? 1000;
    if (capacity <= 0 || keySet !== this.keySet) return;
    // The oldest goes first: a Map keeps its keys in the order they were set.
    while (this.remembered.size >= capacity) {
      const oldest = this.remembered.keys().next().value as string;
      this.remembered.delete(oldest);
    }
    this.remembered.set(token, { caller, until });
  }

  private problemOf(error: unknown): Error {
    if (error instanceof errors.JWTExpired) return new AuthenticationProblem('the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      switch (error.claim) {
        case 'iss':
          return new AuthenticationProblem(`the token was not issued by ${this.options.issuer}`);
        case 'aud':
          return new AuthenticationProblem(`the token is not meant for ${this.options.audience}`);
        default:
          return new AuthenticationProblem(`the token's "${error.claim}" claim is not valid now`);
      }
    }
    if (error instanceof errors.JWKSNoMatchingKey)
      return new AuthenticationProblem(`the token is not signed by a key of ${this.options.issuer}`);
    if (error instanceof errors.JWKSTimeout) return new IdentityProviderUnavailable(this.options.issuer);
    if (error instanceof errors.JOSEError) return new AuthenticationProblem('the token is not a valid JWT');
    return new IdentityProviderUnavailable(this.options.issuer, error);
  }

  private async jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.keys) return this.keys;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = undefined;
    });
    this.keys = await this.discovering;
    return this.keys;
  }

  private async discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const url =
      this.options.discoveryUrl ??
      `${this.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (error) {
      throw new IdentityProviderUnavailable(this.options.issuer, error);
    }
    if (document.issuer !== this.options.issuer || typeof document.jwks_uri !== 'string')
      throw new IdentityProviderUnavailable(
        this.options.issuer,
        new Error(`${url} names issuer ${String(document.issuer)}, not ${this.options.issuer}`),
      );
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: this.options.jwksMaxAgeMs ?? 60_000,
      timeoutDuration: 5000,
      // Each fetch of the keys (rotation, expiry, revocation) forgets the verified tokens.
      [customFetch]: (url, init) => {
        this.keySet++;
        this.remembered.clear();
        return fetch(url, init);
      },
    });
  }
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

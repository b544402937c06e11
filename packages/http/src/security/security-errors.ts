/**
 * A refusal of the HTTP boundary itself, not of the business: no or a bad credential, a missing
 * scope, too many requests. It carries its status and the headers the refusal needs
 * (`WWW-Authenticate`, `Retry-After`); the problem filter answers it as problem+json.
 */
export abstract class HttpProblem extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly headers: Record<string, string> = {};

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** RFC 6750's quoted-string: what a header parameter may hold. */
function quoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Without a credential, or with one that is not valid (expired, wrong issuer or audience, forged). */
export class AuthenticationProblem extends HttpProblem {
  readonly status = 401;
  readonly code = 'UNAUTHENTICATED';

  /** `invalid_token` when a token was presented and refused; null when there was none (RFC 6750 §3.1). */
  constructor(
    message: string,
    readonly error: 'invalid_token' | 'invalid_request' | null = 'invalid_token',
  ) {
    super(message);
  }

  /** Sets the `WWW-Authenticate` challenge of the protection space `realm`. */
  challenge(realm: string): this {
    const parameters = [`realm=${quoted(realm)}`];
    if (this.error)
      parameters.push(`error=${quoted(this.error)}`, `error_description=${quoted(this.message)}`);
    this.headers['WWW-Authenticate'] = `Bearer ${parameters.join(', ')}`;
    return this;
  }
}

/** A valid token without the scope the route requires; names the scope. */
export class InsufficientScopeProblem extends HttpProblem {
  readonly status = 403;
  readonly code = 'INSUFFICIENT_SCOPE';

  constructor(
    readonly scope: string,
    realm: string,
  ) {
    super(`the token lacks the scope ${scope}`);
    this.headers['WWW-Authenticate'] =
      `Bearer realm=${quoted(realm)}, error="insufficient_scope", scope=${quoted(scope)}, error_description=${quoted(this.message)}`;
  }
}

/** The issuer's keys cannot be fetched: not the caller's fault, and it may try again. */
export class IdentityProviderUnavailable extends HttpProblem {
  readonly status = 503;
  readonly code = 'IDENTITY_PROVIDER_UNAVAILABLE';

  constructor(issuer: string, cause?: unknown) {
    super(`the identity provider ${issuer} cannot be reached to verify the token; try again`, { cause });
    this.headers['Retry-After'] = '5';
  }
}

/** The caller sent more requests of a route class than its limit allows; says when to retry. */
export class RateLimitedProblem extends HttpProblem {
  readonly status = 429;
  readonly code = 'RATE_LIMITED';

  constructor(routeClass: string, limit: number, windowSeconds: number, retryAfterSeconds: number) {
    super(
      `more than ${limit} ${routeClass} requests in ${windowSeconds} s from this client; retry in ${retryAfterSeconds} s`,
    );
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

import type { HttpSecurityConfig, RateLimits } from '@switchboard/config';
import type { ScopeName } from '@switchboard/contracts';
import type { TokenVerifierOptions } from './token-verifier.ts';

export const SECURITY_OPTIONS = Symbol('SECURITY_OPTIONS');

/** One write a caller made, for the audit log (the client id, never the token). */
export interface WriteRecord {
  readonly clientId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
}

export interface SecurityOptions extends TokenVerifierOptions {
  readonly rateLimits: RateLimits;
  /**
   * For routes of shared packages, which declare no scope themselves: `null` when the path is open
   * to anyone, the scope it needs, or undefined (refused).
   */
  readonly scopeOfPath: (path: string) => ScopeName | null | undefined;
  /** Reports each answered write with its caller. */
  readonly onWrite?: (write: WriteRecord) => void;
}

/** Health stays open; metrics are open or need switchboard.metrics:read, as configured. */
export function securityOptionsOf(
  config: HttpSecurityConfig,
  onWrite?: (write: WriteRecord) => void,
): SecurityOptions {
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return {
    issuer: config.issuer,
    discoveryUrl: config.discoveryUrl,
    audience: config.audience,
    jwksCooldownMs: config.jwksCooldownMs,
    clockToleranceSeconds: config.clockToleranceSeconds,
    rateLimits: config.rateLimits,
    scopeOfPath: (path) => {
      if (under(path, '/health')) return null;
      if (under(path, '/metrics')) return config.metricsAccess === 'open' ? null : 'switchboard.metrics:read';
      return undefined;
    },
    ...(onWrite ? { onWrite } : {}),
  };
}

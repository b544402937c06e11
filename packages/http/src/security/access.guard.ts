import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { type AuthenticatedRequest, SCOPE_METADATA } from './access.ts';
import { AuthenticationProblem, InsufficientScopeProblem } from './security-errors.ts';
import { SECURITY_OPTIONS, type SecurityOptions } from './security-options.ts';
import { TokenVerifier } from './token-verifier.ts';

/** `Authorization: Bearer <token>` (RFC 6750 §2.1); tokens in query strings are never read. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1])
    throw new AuthenticationProblem('the Authorization header is not "Bearer <token>"', 'invalid_request');
  return match[1];
}

/**
 * Lets a request through only with a valid bearer token carrying the route's scope. Routes under an
 * open path pass untouched; a route that declares no scope is refused (secure by default). Writes
 * are reported with the caller's client id once answered.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly verifier: TokenVerifier;

  constructor(
    @Inject(SECURITY_OPTIONS) private readonly options: SecurityOptions,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    this.verifier = new TokenVerifier(options);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const scope =
      this.reflector.getAllAndOverride<string | undefined>(SCOPE_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) ?? this.options.scopeOfPath(request.path);
    if (scope === null) return true;
    const realm = this.options.audience;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined)
      throw new AuthenticationProblem(
        'this API needs a bearer token (Authorization: Bearer <token>)',
        null,
      ).challenge(realm);
    let caller;
    try {
      caller = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof AuthenticationProblem) throw error.challenge(realm);
      throw error;
    }
    // A route that names no scope is a mistake; refusing it keeps the mistake closed.
    if (scope === undefined || !caller.scopes.has(scope))
      throw new InsufficientScopeProblem(scope ?? '(none declared for this route)', realm);
    request.caller = caller;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const response = context.switchToHttp().getResponse<Response>();
      response.once('finish', () =>
        this.options.onWrite?.({
          clientId: caller.clientId,
          method: request.method,
          route: `${request.baseUrl}${(request.route as { path?: string } | undefined)?.path ?? request.path}`,
          status: response.statusCode,
        }),
      );
    }
    return true;
  }
}

import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiOAuth2 } from '@nestjs/swagger';
import type { ScopeName } from '@switchboard/contracts';
import type { Request } from 'express';
import { ApiProblems } from '../openapi.ts';
import type { Caller } from './token-verifier.ts';

export const SCOPE_METADATA = 'switchboard:scope';
export const ROUTE_CLASS_METADATA = 'switchboard:route-class';
/** The name of the OAuth 2.0 security scheme in every OpenAPI document. */
export const OAUTH2_SCHEME = 'oauth2';

/** Routes are rate-limited per client and class: reads, writes, and bulk imports. */
export type RouteClass = 'read' | 'write' | 'bulk';
export const ROUTE_CLASSES: readonly RouteClass[] = ['read', 'write', 'bulk'];

/** A route's class: the one it declares, else `read` for GET and HEAD and `write` for the rest. */
export function routeClassOf(method: string, declared: RouteClass | undefined): RouteClass {
  return declared ?? (method === 'GET' || method === 'HEAD' ? 'read' : 'write');
}

/**
 * The scope a route requires: a caller's bearer token must carry it (and be meant for this
 * service), or the request is refused with 401 or 403. Documents the requirement and those answers
 * in the OpenAPI document. Every route of a service declares one; the few open ones (health) are
 * configured, not declared.
 */
export function RequireScope(scope: ScopeName, options: { routeClass?: RouteClass } = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(SCOPE_METADATA, scope),
    ...(options.routeClass
      ? [
          SetMetadata(ROUTE_CLASS_METADATA, options.routeClass),
          ApiExtension('x-route-class', options.routeClass),
        ]
      : []),
    ApiOAuth2([scope], OAUTH2_SCHEME),
    ApiProblems(
      { status: 401, description: 'no bearer token, or one that is expired or not meant for this API' },
      { status: 403, description: `the token lacks the scope ${scope}` },
      { status: 429, description: 'too many requests of this class from this client; see Retry-After' },
    ),
  );
}

/** The request's authenticated caller, set by the access guard. */
export interface AuthenticatedRequest extends Request {
  caller?: Caller;
}

/** Injects the authenticated caller of the request (on routes that require a scope). */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without RequireScope');
  return caller;
});

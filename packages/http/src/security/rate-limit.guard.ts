import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { RateLimits } from '@switchboard/config';
import {
  type AuthenticatedRequest,
  ROUTE_CLASS_METADATA,
  ROUTE_CLASSES,
  type RouteClass,
  routeClassOf,
} from './access.ts';
import { RateLimitedProblem } from './security-errors.ts';

const WINDOW_MS = 60_000;

function classOf(context: ExecutionContext): RouteClass {
  const declared = Reflect.getMetadata(ROUTE_CLASS_METADATA, context.getHandler()) as RouteClass | undefined;
  return routeClassOf(context.switchToHttp().getRequest<AuthenticatedRequest>().method, declared);
}

/**
 * The throttler's settings: one fixed one-minute window per route class, counted per client (its
 * client id once authenticated, its address before), shared by every route of the class.
 */
export function throttlerOptions(limits: RateLimits): ThrottlerModuleOptions {
  return {
    throttlers: ROUTE_CLASSES.map((name) => ({
      name,
      ttl: WINDOW_MS,
      limit: limits[name],
      skipIf: (context: ExecutionContext) => context.getType() !== 'http' || classOf(context) !== name,
    })),
    setHeaders: false,
    getTracker: (request: Record<string, unknown>) => {
      const { caller, ip } = request as unknown as AuthenticatedRequest;
      return caller ? `client:${caller.clientId}` : `address:${ip ?? 'unknown'}`;
    },
    generateKey: (_context: ExecutionContext, tracker: string, name: string) => `${name}|${tracker}`,
  };
}

/** Refuses a client's request beyond its route class's limit with 429 and `Retry-After`. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new RateLimitedProblem(
      classOf(context),
      detail.limit,
      Math.round(detail.ttl / 1000),
      Math.max(1, detail.timeToBlockExpire),
    );
  }
}

import { isCatchAllRoute, isOperationalPath } from '../http-paths.ts';
import type { Metrics } from './metrics.ts';

/** What the middleware reads of an express request (structural, so express types are not needed). */
export interface HttpRequestLike {
  readonly method: string;
  readonly originalUrl?: string;
  readonly url?: string;
  /** Set by express once a route matched: under NestJS, `path` is the whole template. */
  readonly route?: { readonly path?: unknown };
}

export interface HttpResponseLike {
  readonly statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every HTTP request from its arrival to the end of its response and records it with the
 * route template and the status the client got, whether a handler, a guard, an exception filter or
 * the not-found handler wrote it. A request whose client went away before the response ended only
 * leaves the in-flight gauge. `/health/*` and `/metrics` are not counted.
 */
export function httpMetricsMiddleware(
  metrics: Metrics,
): (request: HttpRequestLike, response: HttpResponseLike, next: () => void) => void {
  return (request, response, next) => {
    if (isOperationalPath(request.originalUrl ?? request.url)) {
      next();
      return;
    }
    const started = process.hrtime.bigint();
    const ended = metrics.httpRequestStarted();
    response.once('finish', () => {
      ended();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeHttp(request.method, routeTemplate(request), response.statusCode, seconds);
    });
    response.once('close', ended);
    next();
  };
}

function routeTemplate(request: HttpRequestLike): string {
  const path = request.route?.path;
  return typeof path === 'string' && path !== '' && !isCatchAllRoute(path) ? path : UNMATCHED_ROUTE;
}

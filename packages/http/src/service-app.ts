import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { COMMON_ERROR_STATUS } from './errors.ts';
import { type OpenApiSecurity, setupOpenApi } from './openapi.ts';
import { ProblemDetailsFilter, type UnexpectedErrorListener } from './problem.filter.ts';

export interface ServiceAppOptions {
  readonly logger: LoggerService | false;
  /** HTTP status of each of the service's domain error codes (unlisted codes answer 422). */
  readonly errorStatus: Readonly<Record<string, number>>;
  /** Reports failures that were not the client's fault (logged once, where handled). */
  readonly onUnexpected?: UnexpectedErrorListener;
  readonly openApi: { readonly title: string; readonly description: string; readonly version?: string };
  /** What the OpenAPI document says of security (the guards come with HttpSecurityModule). */
  readonly security: OpenApiSecurity;
  /** Node's HTTP server timeouts: a request must arrive whole, and its headers sooner. */
  readonly timeouts: { readonly requestMs: number; readonly headersMs: number };
}

/**
 * A service's HTTP application with the conventions every service shares: problem+json errors,
 * the OpenAPI document (every route with its scope) and `/docs`, JSON bodies up to 1 MB, CSV up to
 * 10 MB, and request and header timeouts, so a slow client cannot hold a connection for ever.
 * The caller listens, and closes it on shutdown (see `runService`).
 */
export async function createServiceApp(
  module: Parameters<typeof NestFactory.create>[0],
  options: ServiceAppOptions,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { logger: options.logger });
  app.useBodyParser('json', { limit: '1mb' });
  // Bulk imports, e.g. call-detail records, arrive as CSV.
  app.useBodyParser('text', { type: 'text/csv', limit: '10mb' });
  app.useGlobalFilters(
    new ProblemDetailsFilter({ ...COMMON_ERROR_STATUS, ...options.errorStatus }, options.onUnexpected),
  );
  setupOpenApi(app, options.openApi, options.security);
  const server = app.getHttpServer();
  server.requestTimeout = options.timeouts.requestMs;
  server.headersTimeout = Math.min(options.timeouts.headersMs, options.timeouts.requestMs);
  return app;
}

import { type DynamicModule, Inject, Module, type NestModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { httpMetricsMiddleware } from './http-metrics.middleware.ts';
import { METRICS, MetricsController } from './metrics.controller.ts';
import type { Metrics } from './metrics.ts';

/**
 * `GET /metrics` in Prometheus text format, and `http_server_request_duration_seconds` and
 * `http_server_requests_in_flight` for every HTTP request the application serves.
 */
@Module({})
export class MetricsModule implements NestModule {
  constructor(
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  static forRoot(metrics: Metrics): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: METRICS, useValue: metrics }],
    };
  }

  /**
   * A middleware rather than an interceptor: it also sees requests that a guard rejects or no route
   * matches, and the status an exception filter finally writes. Mounted with express's plain
   * `use()` (NestJS calls `configure` before it registers the routes) rather than
   * `consumer.apply().forRoutes('*')`, which NestJS mounts as an express catch-all route: that
   * would make express report it as the matched route of every request that no controller serves,
   * and make the express instrumentation add a span for it to every trace.
   */
  configure(): void {
    this.adapterHost.httpAdapter.use(httpMetricsMiddleware(this.metrics));
  }
}

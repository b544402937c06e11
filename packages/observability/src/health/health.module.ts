import { type DynamicModule, type InjectionToken, Module } from '@nestjs/common';
import { HealthController } from './health.controller.ts';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.ts';

/**
 * `/health/live` (the process answers) and `/health/ready` (plus every readiness check passes,
 * e.g. database, Kafka and registry reachable); `/health` is the same as `/health/ready`.
 */
@Module({})
export class HealthModule {
  static forRoot(checks: readonly ReadinessCheck[] = []): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, useValue: checks }],
    };
  }

  /** The checks come from providers of the application, e.g. the database and the event bus. */
  static forRootAsync(options: {
    readonly inject: readonly InjectionToken[];
    readonly useFactory: (...dependencies: never[]) => readonly ReadinessCheck[];
  }): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, inject: [...options.inject], useFactory: options.useFactory }],
    };
  }
}

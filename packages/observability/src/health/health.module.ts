import { type DynamicModule, Module } from '@nestjs/common';
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
}

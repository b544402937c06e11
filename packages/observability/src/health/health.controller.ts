import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { type HealthReport, READINESS_CHECKS, type ReadinessCheck, runChecks } from './readiness-check.ts';

@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[]) {}

  @Get('live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get(['', 'ready'])
  async ready(): Promise<HealthReport> {
    const report = await runChecks(this.checks);
    if (report.status === 'down') throw new ServiceUnavailableException(report);
    return report;
  }
}

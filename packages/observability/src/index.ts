export { HealthModule } from './health/health.module.ts';
export { type HealthReport, type ReadinessCheck, runChecks } from './health/readiness-check.ts';
export { createLogger, NestPinoLogger } from './logger.ts';

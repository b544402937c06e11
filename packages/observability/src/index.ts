export { HealthModule } from './health/health.module.ts';
export { type HealthReport, type ReadinessCheck, runChecks } from './health/readiness-check.ts';
export { createLogger, NestPinoLogger } from './logger.ts';
export { JaegerClient, type JaegerSpan, type JaegerTrace } from './jaeger.ts';
export { type MessagingMetricsHooks, Metrics, type MetricsOptions } from './metrics/metrics.ts';
export { MetricsModule } from './metrics/metrics.module.ts';
export {
  captureTraceContext,
  currentTraceId,
  inStoredTrace,
  storedSpanContext,
  type StoredTraceSpan,
} from './trace-context.ts';

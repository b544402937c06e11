import { startTracing } from '@switchboard/observability/tracing';

// Tracing starts before the application's modules load, so HTTP and express are instrumented.
const tracing = startTracing({ service: 'billing' });
await import('reflect-metadata');
const { runService } = await import('@switchboard/service');
const { billing } = await import('./billing.definition.ts');
const { loadConfig } = await import('./config.ts');
await runService(billing, loadConfig, tracing);

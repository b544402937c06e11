import { startTracing } from '@switchboard/observability/tracing';

// Tracing starts before the application's modules load, so HTTP and express are instrumented.
const tracing = startTracing({ service: 'conference-bridge' });
await import('reflect-metadata');
const { runService } = await import('@switchboard/service');
const { conferenceBridge } = await import('./conference-bridge.definition.ts');
const { loadConfig } = await import('./config.ts');
await runService(conferenceBridge, loadConfig, tracing);

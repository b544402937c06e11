import { startTracing } from '@switchboard/observability/tracing';

// Tracing starts before the application's modules load, so HTTP and express are instrumented.
const tracing = startTracing({ service: 'console' });
await import('reflect-metadata');
const { loadOrExit } = await import('@switchboard/config');
const { createLogger } = await import('@switchboard/observability');
const { loadConfig } = await import('./config.ts');
const { startConsole } = await import('./app.ts');

const logger = createLogger('console');
const config = loadOrExit(() => loadConfig());
const running = await startConsole({ config, logger });
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void running
      .close()
      .then(() => tracing.shutdown())
      .finally(() => process.exit(0));
  });
}

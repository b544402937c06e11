import { type ServiceConfig, loadOrExit } from '@switchboard/config';
import { createLogger } from '@switchboard/observability';
import type { Tracing } from '@switchboard/observability/tracing';
import { type ServiceDefinition, startService } from './service.ts';

/**
 * A service's `main`: reads its configuration (exiting with every bad variable named), starts it,
 * and on SIGTERM or SIGINT closes it in order — HTTP, consumer, relay, database, then the last
 * spans — before exiting.
 */
export async function runService<Config extends ServiceConfig>(
  definition: ServiceDefinition<Config>,
  loadConfig: () => Config,
  tracing: Tracing,
): Promise<void> {
  const config = loadOrExit(loadConfig);
  const logger = createLogger(definition.name);
  let service;
  try {
    service = await startService(definition, config, { logger });
  } catch (error) {
    logger.fatal({ event: `${definition.name}.start.failed`, err: error }, `${definition.name}.start.failed`);
    await tracing.shutdown();
    process.exit(1);
  }
  const started = service;
  logger.info(
    { event: `${definition.name}.started`, url: started.url, database: started.database.kind },
    `${definition.name}.started`,
  );
  const stop = async (signal: string): Promise<void> => {
    logger.info({ event: `${definition.name}.stopping`, signal }, `${definition.name}.stopping`);
    try {
      await started.close();
      await tracing.shutdown();
      process.exit(0);
    } catch (error) {
      logger.error({ event: `${definition.name}.stop.failed`, err: error }, `${definition.name}.stop.failed`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}

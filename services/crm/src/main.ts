import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadOrExit } from '@switchboard/config';
import { createLogger, NestPinoLogger } from '@switchboard/observability';
import { AppModule } from './app.module.ts';
import { loadConfig } from './config.ts';

const logger = createLogger('crm');
const config = loadOrExit(loadConfig);
const app = await NestFactory.create(AppModule, { logger: new NestPinoLogger(logger) });
app.enableShutdownHooks();
await app.listen(config.port, config.host);
logger.info({ event: 'crm.started', url: `http://${config.host}:${config.port}` }, 'crm.started');

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadOrExit } from '@switchboard/config';
import { createLogger, NestPinoLogger } from '@switchboard/observability';
import { AppModule } from './app.module.ts';
import { loadConfig } from './config.ts';

const logger = createLogger('mailing');
const config = loadOrExit(loadConfig);
const app = await NestFactory.create(AppModule, { logger: new NestPinoLogger(logger) });
app.enableShutdownHooks();
await app.listen(config.port, config.host);
logger.info({ event: 'mailing.started', url: `http://${config.host}:${config.port}` }, 'mailing.started');

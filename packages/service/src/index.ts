export { runService } from './run.ts';
export { type RunningService, type ServiceDefinition, startService, type StartOptions } from './service.ts';
export { CONFIG, DATABASE, LOGGER, PUBLIC_URL, PublicUrl } from './tokens.ts';
export { metaFollowing, newMeta } from './events.ts';
export type { Logger } from 'pino';

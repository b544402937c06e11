/** The service's database (`SqlDatabase`), for repositories, the outbox and the inbox. */
export const DATABASE = Symbol('DATABASE');
/** The service's parsed configuration, as its `loadConfig` returned it. */
export const CONFIG = Symbol('CONFIG');
/** The service's pino logger (the one given to `startService`), for work outside requests. */
export const LOGGER = Symbol('LOGGER');

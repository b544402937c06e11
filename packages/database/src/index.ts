export { type DatabaseOptions, openDatabase, type OpenDatabase } from './database.ts';
export { migrate, MigrationError } from './migrations.ts';
export { tracedDatabase } from './traced.ts';
export { pgliteDatabase, postgresDatabase, type SqlDatabase, type SqlExecutor } from './sql.ts';
export { type Backoff, backoffDelayMs } from './work/backoff.ts';
export { ExclusiveLoop, type ExclusiveLoopOptions } from './work/exclusive-loop.ts';
export { Sleeper } from './work/sleeper.ts';
export { refuseSuperuser, SuperuserConnectionError } from './least-privilege.ts';
export { asUnavailable, DatabaseUnavailableError, isUnavailable } from './unavailable.ts';

export { type DatabaseOptions, openDatabase, type OpenDatabase } from './database.ts';
export { migrate, MigrationError } from './migrations.ts';
export { tracedDatabase } from './traced.ts';
export { pgliteDatabase, postgresDatabase, type SqlDatabase, type SqlExecutor } from './sql.ts';
export { type Backoff, backoffDelayMs } from './work/backoff.ts';
export { type TableSize, tableSizes } from './table-sizes.ts';
export { ExclusiveLoop, type ExclusiveLoopOptions } from './work/exclusive-loop.ts';
export { Sleeper } from './work/sleeper.ts';
export { refuseSuperuser, SuperuserConnectionError } from './least-privilege.ts';
export { asUnavailable, DatabaseUnavailableError, isUnavailable, NETWORK_CODES } from './unavailable.ts';
export {
  pruneExpired,
  type RetentionRule,
  RetentionPruner,
  type RetentionPrunerOptions,
} from './retention.ts';
export { DataDirInUseError, lockDataDir } from './data-dir-lock.ts';
export { lockKeys } from './keyed-locks.ts';

import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The stack keeps everything outside the repository: downloaded artifacts (shared by every clone
 * on the machine and safe to delete) and the running servers' pids, logs and data.
 */
export interface StackPaths {
  /** Root of the cache (`SWITCHBOARD_HOME`, default `~/.cache/switchboard`). */
  readonly home: string;
  /** Fetched and built artifacts, one folder per component and version. */
  readonly artifacts: string;
  /** Pid files of the running servers, and `secrets/`, the secrets the stack generated. */
  readonly run: string;
  /** One log file per server. */
  readonly logs: string;
  /** Server data (Kafka's log dirs, the registry's database, PostgreSQL's cluster). */
  readonly data: string;
  /** This package's folder, for the config files it ships. */
  readonly packageDir: string;
}

export function stackPaths(env: Readonly<Record<string, string | undefined>> = process.env): StackPaths {
  const cacheRoot = env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  const home = resolve(env.SWITCHBOARD_HOME?.trim() || join(cacheRoot, 'switchboard'));
  return {
    home,
    artifacts: join(home, 'artifacts'),
    run: join(home, 'run'),
    logs: join(home, 'run', 'logs'),
    data: join(home, 'run', 'data'),
    packageDir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  };
}

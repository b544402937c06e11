import type { StackPaths } from './paths.ts';
import type { SpawnSpec } from './processes.ts';

export type ComponentName = 'postgres' | 'identity' | 'kafka' | 'registry' | 'jaeger' | 'mail' | 'prometheus';

/** One server of the local stack: how to fetch it, start it and tell that it is healthy. */
export interface Component {
  readonly name: ComponentName;
  /** What it is, with its version, for status lines. */
  readonly title: string;
  /** Every TCP port it listens on (all on 127.0.0.1). */
  readonly ports: readonly number[];
  /** Environment variables that, when set, point this part of the stack at another deployment. */
  readonly overriddenBy: readonly string[];
  /**
   * Components that must be up (healthy and configured, or external) before this one starts;
   * `up` of this one starts them too. `down` stops this one before them.
   */
  readonly dependsOn?: readonly ComponentName[];
  /** Endpoints to print once it runs. */
  readonly endpoints: readonly { label: string; url: string }[];
  /** Seconds to wait for it to become healthy after starting. */
  readonly startTimeoutSeconds: number;
  /** The signal that stops it cleanly (default SIGTERM); SIGKILL follows after a grace time. */
  readonly stopSignal?: NodeJS.Signals;
  /** A string found in the command line of its process and in no other program's. */
  marker(paths: StackPaths): string;
  /** True when its artifacts are already in the cache. */
  installed(paths: StackPaths): Promise<boolean>;
  /** Fetches or builds its artifacts into the cache; checks its own prerequisites first. */
  install(paths: StackPaths, logFile: string): Promise<void>;
  /** Checks what it needs to run (e.g. a Java version) and returns the command that starts it. */
  command(paths: StackPaths): Promise<SpawnSpec>;
  /** Preparation before each start, idempotent (e.g. formatting storage once); `log` takes progress lines. */
  prepare?(paths: StackPaths, logFile: string, log?: (line: string) => void): Promise<void>;
  /** True when it answers requests (as the stack's own client where it asks for credentials). */
  healthy(paths: StackPaths): Promise<boolean>;
  /** Settings applied once it is healthy (idempotent); `log` takes progress lines. */
  configure?(paths: StackPaths, log?: (line: string) => void): Promise<void>;
}

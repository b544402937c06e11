import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Component, ComponentName } from './component.ts';
import { jaeger } from './components/jaeger.ts';
import { kafka } from './components/kafka.ts';
import { keycloak } from './components/keycloak.ts';
import { mail } from './components/mail.ts';
import { postgres } from './components/postgres.ts';
import { prometheus } from './components/prometheus.ts';
import { registry } from './components/registry.ts';
import { StackError } from './errors.ts';
import { type StackPaths, stackPaths } from './paths.ts';
import {
  commandLine,
  isAlive,
  pidsListeningOn,
  portOpen,
  readPid,
  removePid,
  startDetached,
  stopProcess,
  writePid,
} from './processes.ts';

/**
 * Waits for every task, then fails with all their errors at once, so a user missing both Maven
 * and Go learns of both in one run.
 */
async function allOrEveryError(tasks: readonly Promise<unknown>[]): Promise<void> {
  const failures: unknown[] = [];
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === 'rejected') failures.push(result.reason);
  }
  if (failures.length === 0) return;
  const messages: string[] = [];
  for (const failure of failures) {
    if (!(failure instanceof StackError))
      throw failure instanceof Error ? failure : new Error(String(failure));
    messages.push(failure.message);
  }
  throw new StackError(messages.join('\nstack: '));
}

/** Every server of the local stack, in the order status lists them. */
export const COMPONENTS: readonly Component[] = [
  postgres,
  keycloak,
  kafka,
  registry,
  jaeger,
  mail,
  prometheus,
];

/**
 * The components with every one they depend on, transitively, in the order of `all`. A
 * dependency missing from `all` is a programming error.
 */
export function withDependencies(
  components: readonly Component[],
  all: readonly Component[] = COMPONENTS,
): Component[] {
  const names = new Set<ComponentName>();
  const add = (component: Component): void => {
    if (names.has(component.name)) return;
    names.add(component.name);
    for (const name of component.dependsOn ?? []) {
      const dependency = all.find((c) => c.name === name);
      if (!dependency) throw new Error(`${component.name} depends on unknown component ${name}`);
      add(dependency);
    }
  };
  components.forEach(add);
  return all.filter((c) => names.has(c.name));
}

/**
 * Runs `task` for every component as soon as the components it must wait for (`after`, counting
 * only those in `components`) are done; the rest run in parallel. With `onFailure: 'skip'` a
 * component whose prerequisite failed is not run and fails with a line naming it; with
 * `'proceed'` it runs anyway. Returns one promise per component, in order.
 */
export function inDependencyOrder(
  components: readonly Component[],
  after: (component: Component) => readonly ComponentName[],
  task: (component: Component) => Promise<void>,
  onFailure: 'skip' | 'proceed',
): Promise<void>[] {
  const tasks = new Map<ComponentName, Promise<void>>();
  const pending = new Set<ComponentName>();
  const schedule = (component: Component): Promise<void> => {
    const known = tasks.get(component.name);
    if (known) return known;
    if (pending.has(component.name))
      throw new Error(`components wait for each other in a cycle through ${component.name}`);
    pending.add(component.name);
    const prerequisites = after(component).flatMap((name) => {
      const other = components.find((c) => c.name === name);
      return other ? [{ name, done: schedule(other) }] : [];
    });
    const run = (async () => {
      for (const { name, done } of prerequisites) {
        try {
          await done;
        } catch {
          if (onFailure === 'skip')
            throw new StackError(`${component.name} not started: it needs ${name}, which did not come up`);
        }
      }
      await task(component);
    })();
    tasks.set(component.name, run);
    return run;
  };
  return components.map(schedule);
}

export type ComponentState =
  | { readonly kind: 'external'; readonly variable: string }
  | { readonly kind: 'running'; readonly pids: readonly number[]; readonly healthy: boolean }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'foreign'; readonly port: number; readonly holder: string };

export interface StackOptions {
  readonly paths?: StackPaths;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where progress lines go (the CLI prints them; tests send them to stderr). */
  readonly log?: (line: string) => void;
  /** Limit the operation to these components. */
  readonly only?: readonly ComponentName[];
}

const logFile = (paths: StackPaths, name: string): string => join(paths.logs, `${name}.log`);
const pidFile = (paths: StackPaths, name: ComponentName): string => join(paths.run, `${name}.pid`);

function selected(options: StackOptions): readonly Component[] {
  return options.only ? COMPONENTS.filter((c) => options.only?.includes(c.name)) : COMPONENTS;
}

function overridingVariable(component: Component, env: StackOptions['env']): string | undefined {
  return component.overriddenBy.find((name) => (env?.[name] ?? '').trim() !== '');
}

/** The stack's processes of a component: its pid file's, plus any of ours still holding its ports. */
async function ownPids(component: Component, paths: StackPaths): Promise<number[]> {
  const marker = component.marker(paths);
  const isOurs = async (pid: number): Promise<boolean> =>
    isAlive(pid) && ((await commandLine(pid)) ?? '').includes(marker);
  const pids = new Set<number>();
  const recorded = await readPid(pidFile(paths, component.name));
  if (recorded !== undefined && (await isOurs(recorded))) pids.add(recorded);
  for (const port of component.ports) {
    for (const pid of await pidsListeningOn(port)) {
      if (await isOurs(pid)) pids.add(pid);
    }
  }
  return [...pids];
}

export async function componentState(
  component: Component,
  paths: StackPaths,
  env: StackOptions['env'] = process.env,
): Promise<ComponentState> {
  const variable = overridingVariable(component, env);
  if (variable) return { kind: 'external', variable };
  const pids = await ownPids(component, paths);
  if (pids.length > 0) return { kind: 'running', pids, healthy: await component.healthy(paths) };
  for (const port of component.ports) {
    if (await portOpen(port)) {
      const holders = await pidsListeningOn(port);
      const described = await Promise.all(
        holders.map(async (pid) => `pid ${pid} (${((await commandLine(pid)) ?? '?').slice(0, 120)})`),
      );
      return { kind: 'foreign', port, holder: described.join(', ') || 'another process' };
    }
  }
  return { kind: 'stopped' };
}

async function lastLines(file: string, count: number): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitHealthy(component: Component, paths: StackPaths, pid: number | undefined): Promise<void> {
  const deadline = Date.now() + component.startTimeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (await component.healthy(paths)) return;
    if (pid !== undefined && !isAlive(pid)) {
      const log = logFile(paths, component.name);
      throw new StackError(
        `${component.name} exited during start-up; last lines of ${log}:\n${await lastLines(log, 25)}`,
      );
    }
    await sleep(500);
  }
  throw new StackError(
    `${component.name} did not become healthy within ${component.startTimeoutSeconds}s; see ${logFile(paths, component.name)}`,
  );
}

async function ensureInstalled(
  component: Component,
  paths: StackPaths,
  log: (line: string) => void,
): Promise<void> {
  if (await component.installed(paths)) return;
  const installLog = logFile(paths, `${component.name}-install`);
  log(`  ${component.name}: fetching ${component.title} (first use only; progress in ${installLog})`);
  await component.install(paths, installLog);
}

async function start(component: Component, paths: StackPaths, log: (line: string) => void): Promise<void> {
  await ensureInstalled(component, paths, log);
  await component.prepare?.(paths, logFile(paths, `${component.name}-install`), log);
  const spec = await component.command(paths);
  const out = logFile(paths, component.name);
  await appendFile(
    out,
    `\n--- switchboard stack: starting ${component.title} at ${new Date().toISOString()}\n`,
  );
  const pid = startDetached(spec, out);
  await writePid(pidFile(paths, component.name), pid);
  log(`  ${component.name}: started (pid ${pid}), waiting until healthy`);
  await waitHealthy(component, paths, pid);
}

/** Fetches the artifacts of every component that is not external, without starting anything. */
export async function fetchArtifacts(options: StackOptions = {}): Promise<void> {
  const paths = options.paths ?? stackPaths(options.env);
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  await Promise.all([paths.logs, paths.artifacts].map((d) => mkdir(d, { recursive: true })));
  await allOrEveryError(
    selected(options)
      .filter((c) => overridingVariable(c, env) === undefined)
      .map((c) => ensureInstalled(c, paths, log)),
  );
}

export interface UpResult {
  /** Components this call started (the rest were running already or external). */
  readonly started: readonly ComponentName[];
}

/**
 * Starts every stopped component and waits until all are healthy. Idempotent: components already
 * running (even from an earlier run whose pid file was lost) are left alone.
 */
export async function up(options: StackOptions = {}): Promise<UpResult> {
  const paths = options.paths ?? stackPaths(options.env);
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  await Promise.all(
    [paths.run, paths.logs, paths.data, paths.artifacts].map((d) => mkdir(d, { recursive: true })),
  );

  // `up identity` needs postgres: dependencies come along (and are left alone if running).
  const components = withDependencies(selected(options));
  const states = await Promise.all(components.map((c) => componentState(c, paths, env)));
  const conflicts = components.flatMap((c, i) => {
    const state = states[i];
    return state?.kind === 'foreign'
      ? [
          `port ${state.port} needed by ${c.name} is taken by ${state.holder}: stop it, or set ${c.overriddenBy[0]} to use that server instead`,
        ]
      : [];
  });
  if (conflicts.length > 0) throw new StackError(conflicts.join('\n'));

  const started: ComponentName[] = [];
  const stateOf = new Map(components.map((c, i) => [c.name, states[i]]));
  await allOrEveryError(
    inDependencyOrder(
      components,
      (c) => c.dependsOn ?? [],
      async (component) => {
        const state = stateOf.get(component.name);
        if (state?.kind === 'external') {
          log(`  ${component.name}: external (${state.variable} is set), not started`);
          return;
        }
        if (state?.kind === 'running') {
          if (!state.healthy) {
            log(`  ${component.name}: running (pid ${state.pids.join(', ')}), waiting until healthy`);
            await waitHealthy(component, paths, state.pids[0]);
          } else {
            log(`  ${component.name}: already running (pid ${state.pids.join(', ')})`);
          }
        } else {
          await start(component, paths, log);
          started.push(component.name);
        }
        await component.configure?.(paths, log);
      },
      'skip',
    ),
  );
  return { started: COMPONENTS.filter((c) => started.includes(c.name)).map((c) => c.name) };
}

/** Stops the stack's processes (found by pid file and by port) and waits until they are gone. */
export async function down(options: StackOptions = {}): Promise<ComponentName[]> {
  const paths = options.paths ?? stackPaths(options.env);
  const log = options.log ?? (() => undefined);
  const stopped: ComponentName[] = [];
  const components = selected(options);
  // A component stops before those it depends on (Keycloak before its PostgreSQL), so none
  // loses its database while it runs; a failure to stop one does not keep the others running.
  const dependents = (component: Component): ComponentName[] =>
    components.filter((c) => c.dependsOn?.includes(component.name)).map((c) => c.name);
  await allOrEveryError(
    inDependencyOrder(
      components,
      dependents,
      async (component) => {
        const pids = await ownPids(component, paths);
        if (pids.length === 0) {
          log(`  ${component.name}: not running`);
        } else {
          // Kafka flushes its logs and hands off leadership on SIGTERM; give it time.
          const grace = component.name === 'kafka' ? 30_000 : 10_000;
          await Promise.all(pids.map((pid) => stopProcess(pid, grace, component.stopSignal)));
          log(`  ${component.name}: stopped (pid ${pids.join(', ')})`);
          stopped.push(component.name);
        }
        await removePid(pidFile(paths, component.name));
      },
      'proceed',
    ),
  );
  return stopped;
}

export { logFile };

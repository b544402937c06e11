/**
 * CPU and resident memory of the processes a benchmark watches, and the machine's CPU saturation,
 * read from /proc (Linux) once a second while a phase runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { pidsListeningOn, type StackEndpoints } from '@switchboard/stack';
import { round } from './stats.ts';

/** A watched process: a service's pid, or a stack server with every process below it (PostgreSQL's backends). */
export interface Watched {
  readonly name: string;
  /** The pids it is made of right now (a group's members change as backends come and go). */
  pids(): readonly number[];
}

export const single = (name: string, pid: number | undefined): Watched => ({
  name,
  pids: () => (pid === undefined ? [] : [pid]),
});

/** A process and all its descendants (PostgreSQL's backends each have a session of their own). */
export const tree = (name: string, root: number): Watched => ({ name, pids: () => descendantsOf(root) });

/** `root` and every live process below it, by the parent pids in /proc. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (!Number.isNaN(parent)) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (!statFields(pid)) continue;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The fields of /proc/<pid>/stat after the command name (state first), or undefined when gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds used so far (user + system) by a process and its ended children: a PostgreSQL
 * backend's time moves into the postmaster's when it ends, so a group's sum never drops.
 */
function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return ((utime ?? 0) + (stime ?? 0) + (cutime ?? 0) + (cstime ?? 0)) / TICKS_PER_SECOND;
}

/** Resident memory of a process, in bytes (VmRSS). */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machineJiffies(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, v) => sum + v, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export interface ProcessUsage {
  /** Mean CPU over the phase, in % of one core (200 = both cores of this machine). */
  readonly cpuPercent: number;
  /** CPU time used over the phase (user + system), in seconds. */
  readonly cpuSeconds: number;
  readonly rssMeanMb: number;
  readonly rssMaxMb: number;
}

export interface Usage {
  readonly seconds: number;
  /** Busy share of all the machine's cores over the phase, %. */
  readonly machineCpuPercent: number;
  readonly cores: number;
  readonly processes: Record<string, ProcessUsage>;
}

const mb = (bytes: number): number => round(bytes / 1024 / 1024, 0);

/** Samples the watched processes once a second until `stop()`, which returns the phase's usage. */
export function sampleUsage(watched: readonly Watched[]): { stop(): Usage } {
  const began = performance.now();
  const machineBefore = machineJiffies();
  const cpuBefore = new Map<string, number>();
  const rss = new Map<string, number[]>();
  const total = (w: Watched): number => w.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const sample = (): void => {
    for (const w of watched) {
      const list = rss.get(w.name) ?? [];
      list.push(w.pids().reduce((sum, pid) => sum + residentBytes(pid), 0));
      rss.set(w.name, list);
    }
  };
  for (const w of watched) cpuBefore.set(w.name, total(w));
  sample();
  const timer = setInterval(sample, 1000);
  return {
    stop(): Usage {
      clearInterval(timer);
      sample();
      const seconds = (performance.now() - began) / 1000;
      const machineAfter = machineJiffies();
      const processes: Record<string, ProcessUsage> = {};
      for (const w of watched) {
        const used = total(w) - (cpuBefore.get(w.name) ?? 0);
        const samples = rss.get(w.name) ?? [0];
        processes[w.name] = {
          cpuPercent: round((Math.max(0, used) / seconds) * 100, 0),
          cpuSeconds: round(Math.max(0, used), 2),
          rssMeanMb: mb(samples.reduce((sum, v) => sum + v, 0) / samples.length),
          rssMaxMb: mb(Math.max(...samples)),
        };
      }
      const machineTotal = machineAfter.total - machineBefore.total;
      return {
        seconds: round(seconds, 1),
        machineCpuPercent:
          machineTotal > 0 ? round(((machineAfter.busy - machineBefore.busy) / machineTotal) * 100, 0) : 0,
        cores: cpus().length,
        processes,
      };
    },
  };
}

/** The stack's servers, each with its child processes, found by their listening ports. */
export async function stackProcesses(endpoints: StackEndpoints): Promise<Watched[]> {
  const ports: Record<string, number> = {
    postgresql: Number(new URL(endpoints.postgresUrl).port),
    kafka: Number(endpoints.kafkaBrokers[0]?.split(':')[1]),
    'schema registry': Number(new URL(endpoints.schemaRegistryUrl).port),
    jaeger: Number(new URL(endpoints.otlpHttpUrl).port),
    'smtp server': Number(new URL(endpoints.smtpUrl).port),
    'identity provider': Number(new URL(endpoints.oidcIssuerUrl).port),
    prometheus: Number(new URL(endpoints.prometheusUrl).port),
  };
  const found: Watched[] = [];
  for (const [name, port] of Object.entries(ports)) {
    // The listener of the lowest pid: PostgreSQL's postmaster (its backends listen on nothing).
    const [pid] = (await pidsListeningOn(port)).sort((a, b) => a - b);
    if (pid !== undefined) found.push(tree(name, pid));
  }
  return found;
}

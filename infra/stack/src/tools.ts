import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors.ts';

const execFileAsync = promisify(execFile);

/** Finds an executable on PATH, like `command -v`. */
export async function which(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, 1 /* X_OK */);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** Fails with one line naming the missing tool and how to get it. */
export async function requireTool(name: string, purpose: string, howToGet: string): Promise<string> {
  const found = await which(name);
  if (!found) throw new StackError(`${name} not found on PATH (needed to ${purpose}): ${howToGet}`);
  return found;
}

async function javaMajor(javaBin: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await execFileAsync(javaBin, ['-version']);
    const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
    if (!match?.[1]) return undefined;
    const major = Number(match[1]);
    // Java 8 and older report "1.8".
    return major === 1 ? Number(match[2]) : major;
  } catch {
    return undefined;
  }
}

/**
 * Finds a `java` of at least the given major version: JAVA_HOME first, then PATH, then the JDKs
 * installed side by side under /usr/lib/jvm (Debian's layout).
 */
export async function findJava(minMajor: number, purpose: string): Promise<string> {
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(join(process.env.JAVA_HOME, 'bin', 'java'));
  const onPath = await which('java');
  if (onPath) candidates.push(onPath);
  try {
    for (const dir of (await readdir('/usr/lib/jvm')).sort().reverse()) {
      candidates.push(join('/usr/lib/jvm', dir, 'bin', 'java'));
    }
  } catch {
    // No system JDK folder.
  }
  const seen: string[] = [];
  for (const candidate of candidates) {
    const major = await javaMajor(candidate);
    if (major === undefined) continue;
    if (major >= minMajor) return candidate;
    seen.push(`Java ${major} at ${candidate}`);
  }
  const found = seen.length > 0 ? `found only ${seen.join(', ')}` : 'found no java';
  throw new StackError(
    `Java ${minMajor}+ is needed to ${purpose}, ${found}: install a JDK ${minMajor} or newer and set JAVA_HOME to it`,
  );
}

/**
 * Runs a build or fetch step with its output appended to a log file; on failure the error names
 * the step and the log to read.
 */
export async function runLogged(
  what: string,
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Readonly<Record<string, string>>;
    logFile: string;
    /** Run as this user and group id (e.g. initdb, which refuses root). */
    uid?: number;
    gid?: number;
  },
): Promise<void> {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  await new Promise<void>((resolve) => log.once('open', () => resolve()));
  log.write(`\n$ ${command} ${args.join(' ')}\n`);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, [...args], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        uid: options.uid,
        gid: options.gid,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new StackError(`${what} failed (exit ${code}); see ${options.logFile}`);
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/** True when this process may install system packages. */
export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Installs Debian packages with apt-get (update first), as root only; `advice` is the one line a
 * user reads when the stack cannot do it itself.
 */
export async function aptInstall(
  what: string,
  packages: readonly string[],
  logFile: string,
  advice: (context: { root: boolean; aptGet: boolean }) => string,
): Promise<void> {
  const aptGet = await which('apt-get');
  const root = runsAsRoot();
  if (!aptGet || !root) throw new StackError(advice({ root, aptGet: aptGet !== undefined }));
  await runLogged('apt-get update', aptGet, ['update'], { logFile });
  await runLogged(
    `Installing ${what} (apt-get install ${packages.join(' ')})`,
    aptGet,
    ['install', '-y', '--no-install-recommends', ...packages],
    { logFile, env: { DEBIAN_FRONTEND: 'noninteractive' } },
  );
}

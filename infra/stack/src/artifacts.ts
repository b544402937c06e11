import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { requireTool, runLogged } from './tools.ts';

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a cache entry in a scratch folder and moves it into place only when complete, so an
 * interrupted download never leaves a half-filled entry that looks installed.
 */
export async function installAtomically(
  target: string,
  build: (scratch: string) => Promise<void>,
): Promise<void> {
  const scratch = `${target}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    await build(scratch);
    await rm(target, { recursive: true, force: true });
    await rename(scratch, target);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** Copies a Maven project's runtime dependencies from Maven Central into a folder. */
export async function copyMavenDependencies(
  what: string,
  pom: string,
  outputDirectory: string,
  logFile: string,
): Promise<void> {
  const mvn = await requireTool(
    'mvn',
    `fetch ${what} from Maven Central`,
    'install Apache Maven 3.8+ (Debian/Ubuntu: apt-get install maven)',
  );
  await runLogged(
    `Fetching ${what} with Maven`,
    mvn,
    [
      '--batch-mode',
      '--quiet',
      '--file',
      pom,
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${outputDirectory}`,
      '-DincludeScope=runtime',
    ],
    { logFile },
  );
}

export function artifactDir(artifacts: string, name: string, version: string): string {
  return join(artifacts, `${name}-${version}`);
}

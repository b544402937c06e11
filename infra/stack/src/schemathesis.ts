import { execFile } from 'node:child_process';
import { access, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors.ts';
import { type StackPaths, stackPaths } from './paths.ts';
import { requireTool } from './tools.ts';

const execFileAsync = promisify(execFile);

/** Schemathesis, the property-based API fuzzer the tests drive every OpenAPI document with. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * The command that runs `schemathesis` (its venv's Python with `-m schemathesis.cli`), installed
 * once from PyPI into a virtual environment of the cache (`artifacts/schemathesis-<version>`) with
 * the system's `python3`; built aside and renamed into place, so an interrupted install leaves
 * nothing half made.
 */
export async function ensureSchemathesis(
  paths: StackPaths = stackPaths(),
  log: (line: string) => void = () => undefined,
): Promise<readonly string[]> {
  const home = join(paths.artifacts, `schemathesis-${SCHEMATHESIS_VERSION}`);
  // The venv's own scripts name the folder they were installed in; its Python does not.
  const command = [join(home, 'bin', 'python'), '-m', 'schemathesis.cli'];
  const marker = join(home, 'lib');
  try {
    await access(marker);
    return command;
  } catch {
    // Not installed yet.
  }
  const python = await requireTool(
    'python3',
    'install Schemathesis, which fuzzes the APIs',
    'install Python 3.9 or newer with its venv module (apt-get install python3 python3-venv)',
  );
  const scratch = `${home}.partial-${process.pid}`;
  log(`installing Schemathesis ${SCHEMATHESIS_VERSION} into ${home} (first use only)`);
  try {
    await rm(scratch, { recursive: true, force: true });
    await execFileAsync(python, ['-m', 'venv', scratch]);
    await execFileAsync(
      join(scratch, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    await rm(home, { recursive: true, force: true });
    await rename(scratch, home);
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new StackError(`could not install Schemathesis ${SCHEMATHESIS_VERSION} from PyPI: ${detail}`);
  }
  return command;
}

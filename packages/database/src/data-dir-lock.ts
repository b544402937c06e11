import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The lock file in a PGlite folder: the pid of the process that has it open. */
export const LOCK_FILE = 'switchboard.pid';

/** Another live process has the PGlite folder open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the PGlite folder ${dataDir} is in use by process ${pid}; stop it, or give this process a DATA_DIR of its own`,
    );
    this.name = 'DataDirInUseError';
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the PGlite folder for this process, as PostgreSQL's postmaster.pid does: creates
 * `switchboard.pid` with its pid, exclusively; a file left by a process that is gone (killed) is
 * taken over, one of a live process fails with DataDirInUseError. Two processes writing one PGlite
 * folder would corrupt it. Returns the release, which removes the file.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return async () => {
        if ((await holder(file)) === process.pid) await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const pid = await holder(file);
    // This process too: two PGlite instances on one folder corrupt it as two processes do.
    if (pid !== undefined && (pid === process.pid || alive(pid))) throw new DataDirInUseError(dataDir, pid);
    // Left by a process that is gone (or half written by one that died writing it): taken over.
    // Two processes taking over the same stale file at the same instant could both succeed, as
    // with PostgreSQL's own pid file; the window is the time of one unlink.
    await rm(file, { force: true });
  }
}

async function holder(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

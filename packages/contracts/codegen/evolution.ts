import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import avro from 'avsc';
import { type EventSchema, loadEventSchemas, type SchemaSource } from './schemas.ts';

const git = promisify(execFile);

/** The schema tree as it was at one commit. */
function gitSchemaSource(repoRoot: string, commit: string): SchemaSource {
  return {
    async list() {
      const { stdout } = await git('git', ['ls-tree', '-r', '--name-only', commit, '--', 'schemas/'], {
        cwd: repoRoot,
      });
      return stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((path) => path.replace(/^schemas\//, ''));
    },
    async read(path) {
      const { stdout } = await git('git', ['show', `${commit}:schemas/${path}`], {
        cwd: repoRoot,
        maxBuffer: 16 << 20,
      });
      return stdout;
    },
  };
}

/** Every commit that changed schemas/, newest first, with the event schemas as they were then. */
export async function schemaHistory(repoRoot: string): Promise<{ commit: string; schemas: EventSchema[] }[]> {
  const { stdout: shallow } = await git('git', ['rev-parse', '--is-shallow-repository'], { cwd: repoRoot });
  if (shallow.trim() === 'true') {
    throw new Error('the clone is shallow, so earlier schema versions are missing: fetch with --unshallow');
  }
  const { stdout } = await git('git', ['log', '--format=%H', '--', 'schemas/'], { cwd: repoRoot });
  const commits = stdout.split('\n').filter((line) => line !== '');
  return Promise.all(
    commits.map(async (commit) => ({
      commit,
      schemas: await loadEventSchemas(gitSchemaSource(repoRoot, commit), { strict: false }),
    })),
  );
}

/**
 * Why `current` cannot read data written with `previous` (Avro schema resolution: the BACKWARD
 * rule), or undefined when it can.
 */
export function backwardIncompatibility(current: EventSchema, previous: EventSchema): string | undefined {
  const reader = avro.Type.forSchema(current.resolved as avro.Schema);
  const writer = avro.Type.forSchema(previous.resolved as avro.Schema);
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

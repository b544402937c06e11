/**
 * `pnpm contracts:generate`: regenerates packages/contracts/src/generated from schemas/.
 * `--check` writes nothing and exits 1 when the committed files differ.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEventSchemas, type SchemaSource } from './schemas.ts';
import { generateTypeScript } from './typescript.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..', '..');
export const SCHEMAS_DIR = join(REPO_ROOT, 'schemas');
export const GENERATED_DIR = join(REPO_ROOT, 'packages', 'contracts', 'src', 'generated');

/** The schema tree as it is on disk. */
export function fileSchemaSource(root: string = SCHEMAS_DIR): SchemaSource {
  return {
    async list() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
    },
    read: (path) => readFile(join(root, path), 'utf8'),
  };
}

export async function generate(source: SchemaSource = fileSchemaSource()): Promise<Record<string, string>> {
  return generateTypeScript(await loadEventSchemas(source));
}

async function main(): Promise<number> {
  const files = await generate();
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [name, content] of Object.entries(files)) {
    const path = join(GENERATED_DIR, name);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === content) continue;
    stale++;
    if (check) {
      console.error(`${relative(REPO_ROOT, path)} is out of date: run pnpm contracts:generate`);
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      console.log(`wrote ${relative(REPO_ROOT, path)}`);
    }
  }
  if (stale === 0) console.log('contracts are up to date with schemas/');
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}

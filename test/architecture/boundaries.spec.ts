import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPICS, type ServiceName, type TopicName } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVICES: readonly ServiceName[] = ['orders', 'conference-bridge', 'billing', 'crm', 'mailing'];

/**
 * The packages from the bottom up: a package may build on those of lower layers only, so the
 * database never learns of the bus and a domain error never of HTTP.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['domain', 'config', 'contracts', 'observability'],
  ['database'],
  ['messaging', 'http'],
  ['service'],
  ['testing'],
];

interface PackageJson {
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

function packageJson(folder: string): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8')) as PackageJson;
}

/** The TypeScript files under `folder` (relative to the root), outside node_modules and dist. */
function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The workspace packages a file imports, by their short name (`@switchboard/http` → `http`). */
function workspaceImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/from '@switchboard\/([\w-]+)[^']*'/g)].map((m) => m[1] ?? '');
}

describe('package direction', () => {
  const layerOf = new Map(LAYERS.flatMap((names, layer) => names.map((name) => [name, layer] as const)));

  it.each(LAYERS.flat())('packages/%s builds only on packages of lower layers', (name) => {
    const manifest = packageJson(`packages/${name}`);
    const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
      .filter((dep) => dep.startsWith('@switchboard/'))
      .map((dep) => dep.slice('@switchboard/'.length));
    const layer = layerOf.get(name) ?? 0;
    for (const dep of declared.filter((d) => layerOf.has(d)))
      expect(layerOf.get(dep), `${name} → ${dep}`).toBeLessThan(layer);
    // And its code imports only what it declares, so the manifest tells the truth.
    for (const file of sourceFiles(`packages/${name}/src`)) {
      for (const imported of workspaceImports(file)) {
        if (imported !== name)
          expect(declared, `${file} imports @switchboard/${imported}`).toContain(imported);
      }
    }
  });

  it.each([...SERVICES, 'console'])('services/%s imports no other service', (name) => {
    for (const file of sourceFiles(`services/${name}`)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const other of [...SERVICES, 'console'].filter((o) => o !== name)) {
        expect(text, file).not.toMatch(new RegExp(`services/${other}/|@switchboard/${other}'`));
      }
    }
  });
});

describe.each(SERVICES)('service %s and the topic catalog', (name) => {
  async function definition(): Promise<{
    name: string;
    publishes: readonly TopicName[];
    handlers?: readonly { readonly topic: TopicName }[];
  }> {
    const module = (await import(`../../services/${name}/src/${name}.definition.ts`)) as Record<
      string,
      unknown
    >;
    const found = Object.values(module).find(
      (value) => typeof value === 'object' && value !== null && (value as { name?: unknown }).name === name,
    );
    if (!found) throw new Error(`services/${name} exports no definition named ${name}`);
    return found as Awaited<ReturnType<typeof definition>>;
  }

  it('handles exactly the topics the catalog lists it as a consumer of, each once', async () => {
    const topics = ((await definition()).handlers ?? []).map((handler) => handler.topic);
    const consumed = Object.entries(TOPICS)
      .filter(([, spec]) => (spec.consumers as readonly string[]).includes(name))
      .map(([topic]) => topic);
    expect([...topics].sort()).toEqual([...consumed].sort());
    expect(new Set(topics).size).toBe(topics.length);
  });

  it('publishes every topic it owns, and only those', async () => {
    const owned = Object.entries(TOPICS)
      .filter(([, spec]) => spec.owner === name)
      .map(([topic]) => topic);
    expect([...(await definition()).publishes].sort()).toEqual([...owned].sort());
  });
});

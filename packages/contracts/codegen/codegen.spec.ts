import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, REPO_ROOT } from './generate.ts';
import { loadEventSchemas, SchemaRuleError, type SchemaSource } from './schemas.ts';

function memorySource(files: Record<string, unknown>): SchemaSource {
  return {
    list: async () => Object.keys(files),
    read: async (path) => JSON.stringify(files[path]),
  };
}

const META = {
  type: 'record',
  name: 'EventMeta',
  namespace: 'dev.switchboard.common',
  doc: 'meta',
  fields: [{ name: 'eventId', type: 'string', doc: 'id' }],
};

function eventWith(field: object): Record<string, unknown> {
  return {
    'common/EventMeta.avsc': META,
    'demo/Thing.avsc': {
      type: 'record',
      name: 'Thing',
      namespace: 'dev.switchboard.demo',
      doc: 'A thing.',
      fields: [{ name: 'meta', type: 'dev.switchboard.common.EventMeta', doc: 'meta' }, field],
    },
  };
}

describe('contracts:generate', () => {
  it('has generated files that match schemas/ (run pnpm contracts:generate after changing a schema)', async () => {
    for (const [path, content] of Object.entries(await generate())) {
      expect(await readFile(path, 'utf8'), relative(REPO_ROOT, path)).toBe(content);
    }
  });
});

describe('schema rules', () => {
  it('inlines the shared types so every event schema stands alone', async () => {
    const [thing] = await loadEventSchemas(memorySource(eventWith({ name: 'x', type: 'int', doc: 'x' })));
    expect(JSON.stringify(thing?.resolved)).toContain('"name":"EventMeta"');
  });

  it.each([
    ['a field without doc', { name: 'x', type: 'int' }, /field dev\.switchboard\.demo\.Thing\.x has no doc/],
    [
      'an optional field without default null',
      { name: 'x', type: ['null', 'string'], doc: 'x' },
      /Thing\.x is optional but has no "default": null/,
    ],
    [
      'an enum without default symbol',
      { name: 'x', type: { type: 'enum', name: 'Colour', symbols: ['RED'] }, doc: 'x' },
      /enum dev\.switchboard\.demo\.Colour needs a default symbol/,
    ],
  ])('rejects %s, naming it', async (_, field, message) => {
    await expect(loadEventSchemas(memorySource(eventWith(field)))).rejects.toThrow(message);
  });

  it('rejects an event whose first field is not meta', async () => {
    const files = eventWith({ name: 'x', type: 'int', doc: 'x' });
    const thing = files['demo/Thing.avsc'] as { fields: unknown[] };
    thing.fields.reverse();
    await expect(loadEventSchemas(memorySource(files))).rejects.toThrow(SchemaRuleError);
  });
});

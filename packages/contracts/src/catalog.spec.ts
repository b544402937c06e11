import { describe, expect, it } from 'vitest';
import { avroTypeOf } from './codecs.ts';
import { EVENT_SCHEMAS } from './generated/schemas.ts';
import type { EventSchemaId } from './generated/types.ts';
import { TOPICS } from './catalog.ts';

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

interface AvroField {
  name: string;
  type: unknown;
}

/** The Avro type found at a dotted path of a record schema (through arrays and nullable unions). */
function typeAt(schema: unknown, path: string[]): unknown {
  if (path.length === 0) return schema;
  if (Array.isArray(schema))
    return typeAt(
      schema.find((b) => b !== 'null'),
      path,
    );
  const s = schema as { type?: unknown; items?: unknown; fields?: AvroField[] };
  if (s.type === 'array') return typeAt(s.items, path);
  if (typeof s.type === 'object') return typeAt(s.type, path);
  const field = s.fields?.find((f) => f.name === path[0]);
  return field ? typeAt(field.type, path.slice(1)) : undefined;
}

describe('topic catalog', () => {
  const entries = Object.entries(TOPICS);

  it('has one topic for every event schema', () => {
    expect(entries.map(([, spec]) => spec.schema).sort()).toEqual(Object.keys(EVENT_SCHEMAS).sort());
  });

  it.each(entries)('%s is named <domain>.<event-name>.v<major> after its schema', (name, spec) => {
    const [domain, event] = spec.schema.split('/');
    expect(name).toMatch(new RegExp(`^${domain}\\.${kebab(event ?? '')}\\.v\\d+$`));
  });

  it.each(entries)(
    '%s is keyed by a string field of its event and names existing personal data',
    (_, spec) => {
      const schema = EVENT_SCHEMAS[spec.schema];
      const key = typeAt(schema, [spec.key]) as { type?: string } | string;
      expect(typeof key === 'string' ? key : key.type).toBe('string');
      for (const path of spec.personalData) expect(typeAt(schema, path.split('.')), path).toBeDefined();
      expect(spec.consumers).not.toContain(spec.owner);
      expect(spec.partitions).toBeGreaterThan(0);
    },
  );

  it.each(Object.keys(EVENT_SCHEMAS) as EventSchemaId[])('compiles the reader schema of %s once', (id) => {
    expect(avroTypeOf(id)).toBe(avroTypeOf(id));
  });
});

import { describe, expect, it } from 'vitest';
import { backwardIncompatibility, schemaHistory } from './evolution.ts';
import { fileSchemaSource, REPO_ROOT } from './generate.ts';
import { type AvroSchema, type EventSchema, loadEventSchemas } from './schemas.ts';

describe('schema evolution', () => {
  it('keeps every event schema BACKWARD-compatible with all its versions in git history', async () => {
    const current = new Map((await loadEventSchemas(fileSchemaSource())).map((s) => [s.id, s]));
    const history = await schemaHistory(REPO_ROOT);
    const problems: string[] = [];
    for (const { commit, schemas } of history) {
      for (const previous of schemas) {
        const now = current.get(previous.id);
        // A removed schema is a removed topic (a new major version), not an evolution.
        if (!now) continue;
        const why = backwardIncompatibility(now, previous);
        if (why) problems.push(`${previous.id} cannot read what it wrote at ${commit.slice(0, 10)}: ${why}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('tells an added optional field (compatible) from an added required one (not)', async () => {
    const [placed] = (await loadEventSchemas(fileSchemaSource())).filter(
      (s) => s.id === 'orders/OrderPlaced',
    );
    if (!placed) throw new Error('orders/OrderPlaced is missing');
    const withField = (field: AvroSchema): EventSchema => ({
      ...placed,
      resolved: { ...placed.resolved, fields: [...(placed.resolved.fields as AvroSchema[]), field] },
    });
    expect(
      backwardIncompatibility(withField({ name: 'note', type: ['null', 'string'], default: null }), placed),
    ).toBeUndefined();
    expect(backwardIncompatibility(withField({ name: 'priority', type: 'int' }), placed)).toMatch(/priority/);
  });
});

import { readFile } from 'node:fs/promises';
import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { type AnyTopicSpec, TOPICS } from '../src/catalog.ts';
import { ASYNCAPI_FILE } from './generate.ts';

/** The committed document, parsed and validated as a producer system's tooling would. */
async function parsed() {
  const parser = new Parser();
  parser.registerSchemaParser(AvroSchemaParser());
  return parser.parse(await readFile(ASYNCAPI_FILE, 'utf8'));
}

describe('the AsyncAPI document', () => {
  it('is a valid AsyncAPI 3 document whose Avro payloads are valid Avro', async () => {
    const { document, diagnostics } = await parsed();
    // Severity 0 is an error (warnings and hints are 1 to 3).
    const errors = diagnostics.filter((d) => Number(d.severity) === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  });

  it('has a channel per topic with its key, partitions and retention, and every message in Avro', async () => {
    const { document } = await parsed();
    const channels = document?.channels().all() ?? [];
    expect(channels.map((c) => c.address()).sort()).toEqual(Object.keys(TOPICS).sort());
    for (const channel of channels) {
      const spec = TOPICS[channel.address() as keyof typeof TOPICS];
      const kafka = channel.bindings().get('kafka')?.value() as { partitions?: number };
      expect(kafka.partitions, channel.address() ?? '').toBe(spec.partitions);
      const [message] = channel.messages().all();
      expect(message?.schemaFormat()).toMatch(/^application\/vnd\.apache\.avro/);
      // The parser converts the Avro schema to JSON Schema and keeps the original beside it.
      const payload = message?.payload()?.json() as Record<string, unknown>;
      expect(payload['x-parser-original-payload']).toMatchObject({
        type: 'record',
        name: spec.schema.split('/')[1],
      });
      const converted = payload.schema as { type?: string; required?: string[] };
      expect(converted.type).toBe('object');
      expect(converted.required).toEqual(expect.arrayContaining(['meta', spec.key]));
      const binding = message?.bindings().get('kafka')?.value() as Record<string, unknown>;
      expect(binding).toMatchObject({
        schemaIdPayloadEncoding: 'confluent',
        schemaLookupStrategy: 'TopicNameStrategy',
      });
    }
  });

  it('names who sends and who receives each topic, and how a client authenticates', async () => {
    const { document } = await parsed();
    const operations = document?.operations().all() ?? [];
    for (const [topic, spec] of Object.entries(TOPICS) as [string, AnyTopicSpec][]) {
      const of = (action: 'send' | 'receive') =>
        operations
          .filter((o) => o.action() === action && o.channels().all()[0]?.address() === topic)
          .map((o) => o.id()?.split('.')[0])
          .sort();
      const producers: string[] = [spec.owner, ...(spec.externalProducers ?? [])];
      expect(of('send'), topic).toEqual(producers.sort());
      expect(of('receive'), topic).toEqual([...spec.consumers].sort());
    }
    const servers = document?.servers().all() ?? [];
    expect(servers.length).toBeGreaterThan(0);
    for (const server of servers) {
      expect(server.security().flatMap((s) => s.all().map((r) => r.scheme().type()))).toEqual([
        'scramSha512',
      ]);
    }
    expect(document?.components().securitySchemes().get('schemaRegistry')?.type()).toBe('oauth2');
  });
});

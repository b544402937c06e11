import avro from 'avsc';
import { EVENT_SCHEMAS } from './generated/schemas.ts';
import type { EventSchemaId } from './generated/types.ts';

const compiled = new Map<EventSchemaId, avro.Type>();

/**
 * The compiled Avro type of an event schema: this code's own reader schema. Compiled once per
 * process and cached, so no schema is parsed per message.
 */
export function avroTypeOf(id: EventSchemaId): avro.Type {
  let type = compiled.get(id);
  if (!type) {
    type = avro.Type.forSchema(EVENT_SCHEMAS[id] as avro.Schema);
    compiled.set(id, type);
  }
  return type;
}

/** The self-contained Avro schema of an event, as registered in the schema registry. */
export function schemaOf(id: EventSchemaId): object {
  return EVENT_SCHEMAS[id];
}

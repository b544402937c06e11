import type avro from 'avsc';
import {
  avroTypeOf,
  type EventOf,
  MAX_EVENT_BYTES,
  schemaOf,
  subjectOf,
  type TopicName,
  TOPICS,
} from '@switchboard/contracts';
import { EventTooLargeError, MessagingError, UndecodableMessageError } from './errors.ts';
import { type SchemaRegistryClient, UnknownSchemaIdError } from './registry.ts';
import { TopicNames } from './topic-names.ts';

/** An event that does not fit its topic's schema; names the offending field. */
export class InvalidEventError extends MessagingError {
  override readonly name = 'InvalidEventError';
}

const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

/** Why a value does not fit a type, naming the field paths (computed only on the failure path). */
function describeInvalid(type: avro.Type, value: unknown): string {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], got: unknown, expected: avro.Type) => {
      problems.push(
        `${path.join('.') || '(root)'}: expected ${String(expected)}, got ${JSON.stringify(got)}`,
      );
    },
  });
  return problems.slice(0, 5).join('; ') || 'invalid value';
}

/** Prefixes an Avro body with the Confluent wire-format header: magic byte 0, schema id (int32 BE). */
export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeInt32BE(schemaId, 1);
  body.copy(out, HEADER_LENGTH);
  return out;
}

/**
 * Avro in Confluent wire format with TopicNameStrategy subjects (`<topic>-value`). Encoding uses
 * the schema registered for the topic (id resolved once); decoding reads with this code's own
 * reader schema resolved against the record's writer schema, one resolver per writer id, so an
 * added optional field never breaks an older consumer and nothing is parsed per message.
 */
export class AvroSerde {
  private readonly writerIds = new Map<string, number>();
  private readonly resolvers = new WeakMap<avro.Type, Map<number, avro.Resolver>>();

  constructor(
    private readonly registry: SchemaRegistryClient,
    private readonly names: TopicNames = new TopicNames(),
  ) {}

  /**
   * Looks up the registered schema of each topic once; encode needs it done first. A service only
   * reads the registry: the schemas are registered beforehand (`register`, the contracts tool).
   */
  prepare(topics: readonly TopicName[]): Promise<void> {
    return this.resolveIds(topics, (subject, schema) => this.registry.lookup(subject, schema));
  }

  /** Registers the schema of each topic (idempotent), as the contracts tool does; needs write access. */
  register(topics: readonly TopicName[]): Promise<void> {
    return this.resolveIds(topics, (subject, schema) => this.registry.register(subject, schema));
  }

  private async resolveIds(
    topics: readonly TopicName[],
    idOf: (subject: string, schema: object) => Promise<number>,
  ): Promise<void> {
    await Promise.all(
      topics.map(async (topic) => {
        this.writerIds.set(
          topic,
          await idOf(subjectOf(this.names.physical(topic)), schemaOf(TOPICS[topic].schema)),
        );
      }),
    );
  }

  /** The registered schema id of a prepared topic. */
  schemaId(topic: TopicName): number {
    const id = this.writerIds.get(topic);
    if (id === undefined)
      throw new MessagingError(`topic ${topic} was not prepared: call prepare([...]) at start-up`);
    return id;
  }

  /**
   * The Avro body of an event, without the wire-format header (what the outbox stores). Fails with
   * InvalidEventError when the event does not fit its schema, and with EventTooLargeError when,
   * header included, it would be larger than the bus's bound per event.
   */
  encodeBody<T extends TopicName>(topic: T, event: EventOf<T>): Buffer {
    const type = avroTypeOf(TOPICS[topic].schema);
    let body: Buffer;
    try {
      body = type.toBuffer(event);
    } catch {
      throw new InvalidEventError(
        `event for ${topic} does not fit its schema: ${describeInvalid(type, event)}`,
      );
    }
    const bytes = HEADER_LENGTH + body.length;
    if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(topic, bytes, MAX_EVENT_BYTES);
    return body;
  }

  /** An event as a record value: header with the topic's schema id, then the Avro body. */
  encode<T extends TopicName>(topic: T, event: EventOf<T>): Buffer {
    return frame(this.schemaId(topic), this.encodeBody(topic, event));
  }

  /**
   * Decodes a record value of a catalog topic into this code's type of its event. A writer schema
   * not seen before is fetched; `registryPatienceMs` bounds the wait while the registry is down.
   */
  decode<T extends TopicName>(
    topic: T,
    value: Buffer | null,
    registryPatienceMs?: number,
  ): Promise<EventOf<T>> {
    return this.decodeWith(avroTypeOf(TOPICS[topic].schema), value, registryPatienceMs) as Promise<
      EventOf<T>
    >;
  }

  /**
   * Decodes a record value with a given reader type. Fails with UndecodableMessageError for a
   * missing value, a bad magic byte, an unknown schema id or bytes that do not match the writer.
   */
  async decodeWith(reader: avro.Type, value: Buffer | null, registryPatienceMs?: number): Promise<unknown> {
    if (!value || value.length < HEADER_LENGTH) {
      throw new UndecodableMessageError(
        `record value is ${value ? `${value.length} bytes` : 'empty'}: no wire-format header`,
      );
    }
    if (value.readUInt8(0) !== MAGIC_BYTE) {
      throw new UndecodableMessageError(`bad magic byte ${value.readUInt8(0)}: not Confluent wire format`);
    }
    const id = value.readInt32BE(1);
    let byWriter = this.resolvers.get(reader);
    if (!byWriter) {
      byWriter = new Map();
      this.resolvers.set(reader, byWriter);
    }
    let resolver = byWriter.get(id);
    if (!resolver) {
      let writer: avro.Type;
      try {
        writer = await this.registry.writerType(id, registryPatienceMs);
      } catch (error) {
        if (error instanceof UnknownSchemaIdError) throw new UndecodableMessageError(error.message);
        throw error;
      }
      try {
        resolver = reader.createResolver(writer);
      } catch (error) {
        throw new UndecodableMessageError(
          `writer schema ${id} cannot be read as ${reader.name ?? 'this type'}: ${(error as Error).message}`,
        );
      }
      byWriter.set(id, resolver);
    }
    try {
      return reader.fromBuffer(value.subarray(HEADER_LENGTH), resolver);
    } catch (error) {
      throw new UndecodableMessageError(`corrupt Avro body for schema ${id}: ${(error as Error).message}`);
    }
  }
}

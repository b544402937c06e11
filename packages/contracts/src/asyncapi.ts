import { type AnyTopicSpec, subjectOf, TOPICS } from './catalog.ts';
import { EVENT_SCHEMAS } from './generated/schemas.ts';
import type { EventSchemaId } from './generated/types.ts';

/**
 * Switchboard's event API as an AsyncAPI 3 document, made from the topic catalog and the Avro
 * schemas alone: a channel per topic, a `send` operation for its owner and for each producer system
 * allowed to write it, a `receive` operation per consumer, each message's Avro schema with its
 * Confluent wire format and key, and how a client authenticates. `pnpm contracts:generate` writes it
 * to packages/contracts/asyncapi.yaml; the console publishes it.
 */

const ASYNCAPI_VERSION = '3.0.0';
const KAFKA_BINDING = '0.5.0';
const AVRO_FORMAT = 'application/vnd.apache.avro+json;version=1.9.0';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Where the local stack (`./switchboard up`) listens; a deployment names its own. */
export const LOCAL_KAFKA = { plain: '127.0.0.1:9092', tls: '127.0.0.1:9095' } as const;
export const LOCAL_SCHEMA_REGISTRY = 'http://127.0.0.1:8081/apis/ccompat/v7';
export const LOCAL_TOKEN_URL = 'http://127.0.0.1:8180/realms/switchboard/protocol/openid-connect/token';

type Json = Record<string, unknown>;

const DESCRIPTION = `Every event Switchboard's services publish and consume, one Kafka topic per event type and
major version (\`<domain>.<event-name>.v<major>\`).

**What to send.** A record's key is the aggregate id the channel names (a UUID as a UTF-8 string),
so one aggregate's events stay in order. Its value is Avro in the Confluent wire format: a zero
byte, the schema's registry id as a 4-byte big-endian integer, then the Avro binary body. The
schema is registered under the subject \`<topic>-value\` (TopicNameStrategy); fetch its id from the
schema registry, never register one yourself. Every event carries \`meta\`: a fresh \`eventId\`
(UUID; consumers drop repeats by it, so a retried send is safe), \`occurredAt\` (UTC milliseconds),
\`producer\` (your system's name) and a \`correlationId\` shared by the events of one business flow.
A value may be at most 256 KiB; documents travel as a \`DocumentRef\` (URL and SHA-256), never
inside an event. Send W3C \`traceparent\`/\`tracestate\` headers to join the flow's trace.

**How to authenticate.** Kafka: SASL/SCRAM-SHA-512 as your system's own principal, over TLS outside
the local stack; ACLs let each principal write only the channels naming it and read only what it
consumes. Schema registry: an OAuth 2.0 access token from the identity provider (client
credentials grant, your system's own client) as a bearer token; reading schemas needs the role
\`sr-readonly\`. Operators give you the principal, its password and the client.

**Compatibility.** Within a topic a schema evolves BACKWARD-compatibly only (a new field has a
default; enums end in OTHER); a breaking change is a new topic \`….v<major+1>\`.`;

function retentionMs(spec: AnyTopicSpec): Json {
  if (spec.retention.kind === 'compact') return { 'cleanup.policy': ['compact'] };
  const days = spec.retention.days;
  return { 'cleanup.policy': ['delete'], 'retention.ms': days === 'forever' ? -1 : days * DAY_MS };
}

/** The message's name in `components.messages`: the schema's record name, e.g. OrderPlaced. */
const messageName = (schema: EventSchemaId): string => schema.split('/')[1] ?? schema;

type Schemas = Readonly<Record<EventSchemaId, object>>;

function message(topic: string, spec: AnyTopicSpec, schemas: Schemas): Json {
  const schema = schemas[spec.schema] as { doc?: string };
  return {
    name: messageName(spec.schema),
    title: messageName(spec.schema),
    summary: schema.doc ?? spec.description,
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      properties: {
        traceparent: { type: 'string', description: 'W3C trace context of the flow (optional).' },
        tracestate: { type: 'string', description: 'W3C trace state (optional).' },
      },
    },
    payload: { schemaFormat: AVRO_FORMAT, schema: schemas[spec.schema] },
    bindings: {
      kafka: {
        key: {
          type: 'string',
          description: `The event's \`${spec.key}\`, as UTF-8.`,
        },
        schemaIdLocation: 'payload',
        schemaIdPayloadEncoding: 'confluent',
        schemaLookupStrategy: 'TopicNameStrategy',
        bindingVersion: KAFKA_BINDING,
      },
    },
    'x-switchboard-subject': subjectOf(topic),
    'x-switchboard-personal-data': [...spec.personalData],
  };
}

const ref = (...path: string[]): Json => ({
  $ref: `#/${path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
});

/**
 * The AsyncAPI 3 document of the catalog, as a plain object (YAML or JSON as the caller writes it);
 * `schemas` are the resolved Avro schemas by id (the generated ones unless given).
 */
export function asyncApiDocument(schemas: Schemas = EVENT_SCHEMAS): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  const entries = Object.entries(TOPICS) as [string, AnyTopicSpec][];
  for (const [topic, spec] of entries) {
    const name = messageName(spec.schema);
    messages[name] = message(topic, spec, schemas);
    channels[topic] = {
      address: topic,
      title: topic,
      description: spec.description,
      messages: { [name]: ref('components', 'messages', name) },
      bindings: {
        kafka: {
          topic,
          partitions: spec.partitions,
          topicConfiguration: retentionMs(spec),
          bindingVersion: KAFKA_BINDING,
        },
      },
      'x-switchboard-owner': spec.owner,
      'x-switchboard-consumers': [...spec.consumers],
      'x-switchboard-key': spec.key,
      'x-switchboard-latency-objective-ms': spec.latencyObjectiveMs,
    };
    const channel = ref('channels', topic);
    const channelMessages = [ref('channels', topic, 'messages', name)];
    const producers: string[] = [spec.owner, ...(spec.externalProducers ?? [])];
    for (const producer of producers) {
      operations[`${producer}.send.${topic}`] = {
        action: 'send',
        channel,
        messages: channelMessages,
        summary: `${producer} publishes ${name}`,
        ...(producer === spec.owner ? {} : { description: `A producer system: ${producer}` }),
      };
    }
    for (const consumer of spec.consumers) {
      operations[`${consumer}.receive.${topic}`] = {
        action: 'receive',
        channel,
        messages: channelMessages,
        summary: `${consumer} consumes ${name}, within ${spec.latencyObjectiveMs / 1000} s of occurredAt`,
        bindings: {
          kafka: { groupId: { type: 'string', enum: [consumer] }, bindingVersion: KAFKA_BINDING },
        },
      };
    }
  }
  const registryBinding = {
    kafka: {
      schemaRegistryUrl: LOCAL_SCHEMA_REGISTRY,
      schemaRegistryVendor: 'apicurio',
      bindingVersion: KAFKA_BINDING,
    },
  };
  return {
    asyncapi: ASYNCAPI_VERSION,
    id: 'urn:dev:switchboard:events',
    info: {
      title: 'Switchboard events',
      version: '1.0.0',
      description: DESCRIPTION,
    },
    defaultContentType: 'application/octet-stream',
    servers: {
      local: {
        host: LOCAL_KAFKA.plain,
        protocol: 'kafka',
        description: 'The local stack of `./switchboard up`: SASL/SCRAM-SHA-512 without TLS, on loopback.',
        security: [ref('components', 'securitySchemes', 'kafkaScram')],
        bindings: registryBinding,
      },
      'local-tls': {
        host: LOCAL_KAFKA.tls,
        protocol: 'kafka-secure',
        description: "The local stack's TLS listener (its certificate authority is the stack's own).",
        security: [ref('components', 'securitySchemes', 'kafkaScram')],
        bindings: registryBinding,
      },
    },
    channels,
    operations,
    components: {
      messages,
      securitySchemes: {
        kafkaScram: {
          type: 'scramSha512',
          description: "SASL/SCRAM-SHA-512 as the client system's own Kafka principal.",
        },
        schemaRegistry: {
          type: 'oauth2',
          description:
            'The schema registry takes a bearer token of the identity provider, got with the client credentials grant; reading schemas needs the role sr-readonly.',
          flows: { clientCredentials: { tokenUrl: LOCAL_TOKEN_URL, availableScopes: {} } },
        },
      },
    },
  };
}

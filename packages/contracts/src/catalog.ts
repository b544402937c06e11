import type { EventSchemaId, EventTypes } from './generated/types.ts';

/** The services of Switchboard; each owns the topics of its domain. */
export type ServiceName = 'orders' | 'conference-bridge' | 'billing' | 'crm' | 'mailing';

export type Retention =
  /** Records older than `days` are deleted; `days: 'forever'` keeps them. */
  | { readonly kind: 'delete'; readonly days: number | 'forever' }
  /** Only the newest record per key is kept: the topic is a table of current state. */
  | { readonly kind: 'compact' };

/** Everything known about one topic: the single place topics are created from. */
export interface TopicSpec<Id extends EventSchemaId = EventSchemaId> {
  /** The schema of every record's value, `<domain>/<Name>` under schemas/. */
  readonly schema: Id;
  /** The field of the event used as the record key: the aggregate id, so its events stay ordered. */
  readonly key: keyof EventTypes[Id] & string;
  readonly partitions: number;
  readonly retention: Retention;
  readonly owner: ServiceName;
  /**
   * Producer systems outside Switchboard that may write it too (each with a Kafka principal of its
   * own, naming itself in `meta.producer`), e.g. a PBX collector reporting finished calls.
   */
  readonly externalProducers?: readonly ProducerSystem[];
  readonly consumers: readonly ServiceName[];
  /** Dotted paths of the fields that hold personal data (never logged, never in span attributes). */
  readonly personalData: readonly string[];
  /** How soon after `occurredAt` consumers should have handled an event, in milliseconds. */
  readonly latencyObjectiveMs: number;
  readonly description: string;
  /**
   * What makes an event of it nonsense however well-formed (a call that ends before it starts): a
   * reason, or undefined. Consumers park such events instead of applying them.
   */
  readonly nonsense?: (event: EventTypes[Id]) => string | undefined;
}

/** Systems outside Switchboard that produce events of its topics (see `externalProducers`). */
export type ProducerSystem = 'pbx-collector' | 'web-shop';

/** A topic spec for any one of the event schemas. */
export type AnyTopicSpec = { [Id in EventSchemaId]: TopicSpec<Id> }[EventSchemaId];

function topic<Id extends EventSchemaId>(spec: TopicSpec<Id>): TopicSpec<Id> {
  return spec;
}

const CUSTOMER_PII = ['name', 'email', 'phone', 'address'];

/**
 * Every topic of Switchboard, by name `<domain>.<event-name>.v<major>`. A breaking schema change is
 * a new major version and a new topic here; anything else evolves the schema BACKWARD-compatibly.
 */
export const TOPICS = {
  'crm.customer-registered.v1': topic({
    schema: 'crm/CustomerRegistered',
    key: 'customerId',
    partitions: 3,
    retention: { kind: 'compact' },
    owner: 'crm',
    consumers: ['orders', 'billing', 'mailing'],
    personalData: CUSTOMER_PII,
    latencyObjectiveMs: 5_000,
    description: 'New customers, with their full record, for the views other services keep.',
  }),
  'crm.customer-updated.v1': topic({
    schema: 'crm/CustomerUpdated',
    key: 'customerId',
    partitions: 3,
    retention: { kind: 'compact' },
    owner: 'crm',
    consumers: ['orders', 'billing', 'mailing'],
    personalData: CUSTOMER_PII,
    latencyObjectiveMs: 5_000,
    description: 'Changed customers, with their full record after the change.',
  }),
  'crm.contract-rates-changed.v1': topic({
    schema: 'crm/ContractRatesChanged',
    key: 'customerId',
    partitions: 3,
    // Billing rates a call with the rates in effect when it started, so the history is kept.
    retention: { kind: 'delete', days: 'forever' },
    owner: 'crm',
    consumers: ['billing'],
    personalData: [],
    latencyObjectiveMs: 5_000,
    description: "A customer's contract rates, effective from a given instant.",
  }),
  'orders.order-placed.v1': topic({
    schema: 'orders/OrderPlaced',
    key: 'orderId',
    partitions: 3,
    retention: { kind: 'delete', days: 30 },
    owner: 'orders',
    consumers: ['conference-bridge'],
    personalData: [],
    latencyObjectiveMs: 2_000,
    description: 'Booked conferences, for the bridge to reserve.',
    nonsense: (order) =>
      order.durationMinutes <= 0
        ? `the conference lasts ${order.durationMinutes} minutes`
        : order.expectedParticipants <= 0
          ? `the conference expects ${order.expectedParticipants} participants`
          : undefined,
  }),
  'orders.order-cancelled.v1': topic({
    schema: 'orders/OrderCancelled',
    key: 'orderId',
    partitions: 3,
    retention: { kind: 'delete', days: 30 },
    owner: 'orders',
    consumers: ['conference-bridge'],
    personalData: [],
    latencyObjectiveMs: 2_000,
    description: 'Cancelled orders, whose reservations the bridge releases.',
  }),
  'orders.order-confirmed.v1': topic({
    schema: 'orders/OrderConfirmed',
    key: 'orderId',
    partitions: 3,
    retention: { kind: 'delete', days: 30 },
    owner: 'orders',
    consumers: [],
    personalData: [],
    latencyObjectiveMs: 2_000,
    description: 'Orders whose conference is reserved.',
  }),
  'orders.order-rejected.v1': topic({
    schema: 'orders/OrderRejected',
    key: 'orderId',
    partitions: 3,
    retention: { kind: 'delete', days: 30 },
    owner: 'orders',
    consumers: [],
    personalData: [],
    latencyObjectiveMs: 2_000,
    description: 'Orders that could not be fulfilled, with the reason.',
  }),
  'conference.bridge-reserved.v1': topic({
    schema: 'conference/BridgeReserved',
    key: 'orderId',
    partitions: 3,
    retention: { kind: 'delete', days: 30 },
    owner: 'conference-bridge',
    consumers: ['orders', 'mailing'],
    personalData: [],
    latencyObjectiveMs: 2_000,
    description: 'Reservations with dial-in details: orders confirms, mailing emails the customer.',
    nonsense: (reserved) =>
      reserved.endsAt <= reserved.startsAt ? 'the reservation ends before it starts' : undefined,
  }),
  'conference.bridge-rejected.v1': topic({
    schema: 'conference/BridgeRejected',
    key: 'orderId',
    partitions: 3,
    retention: { kind: 'delete', days: 30 },
    owner: 'conference-bridge',
    consumers: ['orders'],
    personalData: [],
    latencyObjectiveMs: 2_000,
    description: 'Orders the bridge could not reserve, with the reason.',
  }),
  'conference.call-completed.v1': topic({
    schema: 'conference/CallCompleted',
    key: 'callId',
    partitions: 3,
    retention: { kind: 'delete', days: 90 },
    owner: 'conference-bridge',
    consumers: ['billing'],
    personalData: ['participants.callerNumber'],
    latencyObjectiveMs: 10_000,
    description: 'Finished calls with every participant connection, for billing.',
    // The PBX collector of a legacy bridge reports finished calls straight to the topic.
    externalProducers: ['pbx-collector'],
    nonsense: (call) => {
      if (call.endedAt < call.startedAt) return 'the call ends before it starts';
      if (call.recordingSeconds < 0) return `the call was recorded for ${call.recordingSeconds} seconds`;
      const backwards = call.participants.find((p) => p.leftAt < p.joinedAt);
      return backwards ? `participant ${backwards.participantId} leaves before joining` : undefined;
    },
  }),
  'billing.call-charged.v1': topic({
    schema: 'billing/CallCharged',
    key: 'customerId',
    partitions: 3,
    retention: { kind: 'delete', days: 90 },
    owner: 'billing',
    consumers: ['crm'],
    personalData: [],
    latencyObjectiveMs: 10_000,
    description: "Rated calls and the period's running totals, for the CRM's billing summary.",
  }),
  'billing.invoice-issued.v1': topic({
    schema: 'billing/InvoiceIssued',
    key: 'customerId',
    partitions: 3,
    retention: { kind: 'delete', days: 90 },
    owner: 'billing',
    consumers: ['crm', 'mailing'],
    personalData: [],
    latencyObjectiveMs: 60_000,
    description:
      'Issued invoices with where their PDF is: mailing emails them with the PDF, the CRM shows the last one.',
  }),
  'mailing.message-sent.v1': topic({
    schema: 'mailing/MessageSent',
    key: 'messageId',
    partitions: 3,
    retention: { kind: 'delete', days: 30 },
    owner: 'mailing',
    consumers: [],
    personalData: [],
    latencyObjectiveMs: 60_000,
    description: 'Every email and printed letter, for audit.',
  }),
  'mailing.campaign-completed.v1': topic({
    schema: 'mailing/CampaignCompleted',
    key: 'campaignId',
    partitions: 1,
    retention: { kind: 'delete', days: 90 },
    owner: 'mailing',
    consumers: [],
    personalData: [],
    latencyObjectiveMs: 60_000,
    description: 'Finished mass mailings with their counts.',
  }),
} as const satisfies Record<string, AnyTopicSpec>;

export type TopicName = keyof typeof TOPICS;

/**
 * The largest value any event may have, in bytes of its Confluent wire format (the 5-byte header
 * and the Avro body): 256 KiB, as on the well-known cloud event buses, and a quarter of Kafka's
 * default 1 MiB record batch. The bus refuses to publish a larger event, naming the topic and the
 * size; producer systems must stay under it too. Documents (PDFs, letters) and bulk data never
 * travel inside an event: the event says where they are (a `DocumentRef`: URL and SHA-256).
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/** The event type carried by a topic. */
export type EventOf<T extends TopicName> = EventTypes[(typeof TOPICS)[T]['schema']];

/** The schema registry subject of a topic's values (TopicNameStrategy). */
export function subjectOf(topic: string): string {
  return `${topic}-value`;
}

/** The retry and dead-letter topics one consumer of a topic uses. */
export function retryTopicOf(topic: string, consumer: string): string {
  return `${topic}.${consumer}.retry`;
}

export function deadLetterTopicOf(topic: string, consumer: string): string {
  return `${topic}.${consumer}.dlq`;
}

export function isTopicName(name: string): name is TopicName {
  return Object.hasOwn(TOPICS, name);
}

import { setTimeout as sleep } from 'node:timers/promises';
import { type EventOf, type ServiceName, type TopicName } from '@switchboard/contracts';
import { type Context, context, SpanStatusCode, trace } from '@opentelemetry/api';
import { backoffDelayMs, type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { ImplausibleEventError, UndecodableMessageError } from './errors.ts';
import { Inbox } from './inbox.ts';
import { type MessagingMetrics, NO_METRICS } from './metrics.ts';
import { implausibility, type PlausibilityLimits } from './plausibility.ts';
import type { EventPublisher, RawRecord } from './publisher.ts';
import type { AvroSerde } from './serde.ts';
import { TopicNames } from './topic-names.ts';
import { extractTraceContext, startProcessSpan, withProcessSpan } from './tracing.ts';

/** What a handler learns about the record besides the event. */
export interface HandlerContext {
  readonly topic: TopicName;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  /** 1 for the first try; counts in-process retries and trips through the retry topic. */
  readonly attempt: number;
  /** The trace context of this record's processing span; pass it on to what the handler emits. */
  readonly trace: Context;
}

/** One record of a batch handed to `handleBatch`. */
export interface BatchItem<T extends TopicName = TopicName> {
  readonly event: EventOf<T>;
  readonly context: HandlerContext;
}

/**
 * Handles one topic's events. Declared explicitly in one list per service; never discovered.
 *
 * The bus calls it inside a transaction of the service's database (`tx`) in which it has recorded
 * the event's id in the inbox: what the handler writes commits together with that record, and an
 * event handled before (a redelivery after a crash, a republished outbox row) never reaches it. A
 * handler cannot forget to deduplicate, and should not open a transaction of its own.
 */
export interface EventHandler<T extends TopicName = TopicName> {
  readonly topic: T;
  handle(tx: SqlExecutor, event: EventOf<T>, context: HandlerContext): Promise<void>;
  /**
   * Optional: handles consecutive records of one partition at once, in their order, in one
   * transaction with the inbox records of all of them; `items` holds only those not handled
   * before. When it throws, each record of the batch is handled again on its own through
   * `handle`, with the usual retries, so one bad record never fails its neighbours.
   */
  handleBatch?(tx: SqlExecutor, items: readonly BatchItem<T>[]): Promise<void>;
}

export interface RetryPolicy {
  /** Tries in process before the record goes to the retry topic (default 3). */
  readonly attempts: number;
  /** First backoff; each next one doubles, with full jitter, up to maxDelayMs (default 100 ms). */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Trips through the retry topic before the dead-letter topic (default 2). */
  readonly retryTopicAttempts: number;
  /** How long a record waits in the retry topic before its next try (default 5 s). */
  readonly retryTopicDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  retryTopicAttempts: 2,
  retryTopicDelayMs: 5_000,
};

export interface ConsumerOptions {
  /** The consuming service: its consumer group and the middle part of its retry/DLQ topic names. */
  readonly service: ServiceName | (string & {});
  readonly handlers: readonly EventHandler[];
  /** The service's database: the inbox, and the transaction each handler runs in. */
  readonly database: SqlDatabase;
  readonly retry?: Partial<RetryPolicy>;
  /** Partitions handled at once; records of one partition (so of one key) stay in order. */
  readonly partitionsConsumedConcurrently?: number;
  /** Most records given to one `handleBatch` call (default 500). */
  readonly maxBatchSize?: number;
  readonly metrics?: MessagingMetrics;
  /** Called once for each record parked in a dead-letter topic, e.g. to log it. */
  readonly onDeadLetter?: (record: RawRecord, error: Error) => void;
  /** A group reading its topics for the first time starts at the beginning (default) or the end. */
  readonly fromBeginning?: boolean;
  /** Physical topic naming; the default has no prefix. */
  readonly names?: TopicNames;
  /** How far off an event's time may be before it is parked as implausible. */
  readonly plausibility?: PlausibilityLimits;
}

/** Header names on retry and dead-letter records. */
export const HEADERS = {
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  errorClass: 'x-error-class',
  errorMessage: 'x-error-message',
  attempts: 'x-attempts',
  failedAt: 'x-failed-at',
  notBefore: 'x-retry-not-before',
  consumer: 'x-consumer',
} as const;

const OWN_HEADERS = new Set<string>(Object.values(HEADERS));

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Consumes the topics of a service's handlers, plus its retry topics. A record's offset is
 * committed only after its handler succeeded or the record was parked in the retry or dead-letter
 * topic, so nothing is lost; a failing record never holds its partition longer than its in-process
 * retries, so later records keep flowing.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly policy: RetryPolicy;
  private readonly handlers = new Map<string, EventHandler>();
  private readonly metrics: MessagingMetrics;
  private readonly names: TopicNames;
  private readonly inbox: Inbox;

  constructor(
    kafka: Kafka,
    private readonly serde: AvroSerde,
    private readonly publisher: EventPublisher,
    private readonly options: ConsumerOptions,
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.metrics = options.metrics ?? NO_METRICS;
    this.names = options.names ?? new TopicNames();
    this.inbox = new Inbox(options.database, String(options.service));
    for (const handler of options.handlers) {
      if (this.handlers.has(handler.topic))
        throw new Error(`two handlers for ${handler.topic} in ${options.service}`);
      this.handlers.set(handler.topic, handler);
    }
    this.consumer = kafka.consumer({
      groupId: this.names.group(String(options.service)),
      allowAutoTopicCreation: false,
    });
  }

  /** The physical topics this consumer reads: each handled topic and its retry topic. */
  get topics(): string[] {
    const service = String(this.options.service);
    return [...this.handlers.keys()].flatMap((t) => [this.names.physical(t), this.names.retry(t, service)]);
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stops fetching, lets the batch in hand finish, commits what was handled, disconnects. */
  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  /** Called when the consumer crashes (kafkajs restarts it when the error is retriable). */
  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => listener(payload.error, payload.restart));
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const logical = this.names.logical(batch.topic);
    const handler = logical === undefined ? undefined : this.handlers.get(logical);
    // Retry records wait for their time and go one by one; so does a handler without handleBatch.
    if (handler?.handleBatch) {
      const batchHandler = { topic: handler.topic, handleBatch: handler.handleBatch.bind(handler) };
      const size = this.options.maxBatchSize ?? 500;
      for (let start = 0; start < batch.messages.length; start += size) {
        if (!payload.isRunning() || payload.isStale()) break;
        const chunk = batch.messages.slice(start, start + size);
        await this.processBatch(batchHandler, batch.topic, batch.partition, chunk, heartbeat);
        const last = chunk.at(-1);
        if (last) payload.resolveOffset(last.offset);
        await payload.commitOffsetsIfNecessary();
        await heartbeat();
      }
      return;
    }
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      await this.process(batch.topic, batch.partition, message, heartbeat);
      // Only now, handled or parked, may its offset be committed.
      payload.resolveOffset(message.offset);
      await payload.commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /**
   * Hands consecutive records of one partition to `handleBatch`, each in its own CONSUMER span
   * continuing its producer's trace; undecodable ones are parked first. If the batch fails, every
   * record is processed again on its own, with retries and parking as usual.
   */
  private async processBatch(
    handler: Required<Pick<EventHandler, 'topic' | 'handleBatch'>>,
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const eventTopic = this.names.logical(topic) as TopicName;
    const items: BatchItem[] = [];
    const spans = [];
    for (const message of messages) {
      const key = message.key?.toString() ?? '';
      const parent = extractTraceContext(message.headers);
      const span = startProcessSpan(
        { topic, key, partition, offset: message.offset, consumerGroup: String(this.options.service) },
        parent,
      );
      spans.push(span);
      try {
        const event = await this.decodeSensible(eventTopic, message.value);
        span.setAttribute('messaging.message.id', event.meta.eventId);
        this.metrics.consumed?.(eventTopic);
        this.metrics.eventAge?.(eventTopic, Date.now() - event.meta.occurredAt);
        items.push({
          event,
          context: {
            topic: eventTopic,
            partition,
            offset: message.offset,
            key,
            attempt: 1,
            trace: trace.setSpan(parent, span),
          },
        });
      } catch (error) {
        if (!(error instanceof UndecodableMessageError || error instanceof ImplausibleEventError))
          throw error;
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
        await this.deadLetter(topic, partition, message, error, 1);
      }
    }
    const started = performance.now();
    try {
      if (items.length > 0) {
        await this.inbox.handleBatchOnce(
          items,
          eventTopic,
          (item) => item.event.meta.eventId,
          (tx, fresh) => handler.handleBatch(tx, fresh),
        );
      }
      const perRecord = (performance.now() - started) / Math.max(1, items.length);
      for (const _ of items) this.metrics.handlerDuration?.(eventTopic, perRecord);
    } catch (error) {
      this.metrics.failed?.(eventTopic, asError(error).name);
      for (const span of spans) span.end();
      const handled = new Set(items.map((i) => i.context.offset));
      for (const message of messages) {
        if (handled.has(message.offset)) await this.process(topic, partition, message, heartbeat);
      }
      return;
    }
    for (const span of spans) span.end();
  }

  /** Handles one record, or parks it; throws only when parking failed (then nothing is committed). */
  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    // Retry records carry the physical topic they were first read from.
    const fromRetry = header(message.headers, HEADERS.originalTopic);
    const eventTopic = this.names.logical(fromRetry ?? topic) as TopicName;
    const handler = this.handlers.get(eventTopic);
    if (!handler) return; // Not ours (a retry record of another topic cannot reach this group).
    const previousTrips = Number(header(message.headers, HEADERS.attempts) ?? 0);

    if (fromRetry) await this.waitUntil(Number(header(message.headers, HEADERS.notBefore) ?? 0), heartbeat);

    const key = message.key?.toString() ?? '';
    const traceParent = extractTraceContext(message.headers);
    let lastError: Error | undefined;
    let attempt = previousTrips * this.policy.attempts;
    await withProcessSpan(
      { topic, key, partition, offset: message.offset, consumerGroup: String(this.options.service) },
      traceParent,
      async (span) => {
        let event: EventOf<TopicName>;
        try {
          event = await this.decodeSensible(eventTopic, message.value);
        } catch (error) {
          if (!(error instanceof UndecodableMessageError || error instanceof ImplausibleEventError))
            throw error;
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
          await this.deadLetter(topic, partition, message, error, attempt + 1);
          return;
        }
        span.setAttribute('messaging.message.id', event.meta.eventId);
        this.metrics.consumed?.(eventTopic);
        this.metrics.eventAge?.(eventTopic, Date.now() - event.meta.occurredAt);
        for (let tryInProcess = 1; tryInProcess <= this.policy.attempts; tryInProcess++) {
          attempt++;
          const started = performance.now();
          try {
            const handlerContext: HandlerContext = {
              topic: eventTopic,
              partition,
              offset: message.offset,
              key,
              attempt,
              trace: context.active(),
            };
            const handled = await this.inbox.handleOnce(event.meta.eventId, eventTopic, (tx) =>
              handler.handle(tx, event, handlerContext),
            );
            if (!handled) span.setAttribute('messaging.duplicate', true);
            this.metrics.handlerDuration?.(eventTopic, performance.now() - started);
            return;
          } catch (error) {
            lastError = asError(error);
            this.metrics.failed?.(eventTopic, lastError.name);
            if (tryInProcess < this.policy.attempts) {
              await sleep(
                backoffDelayMs(tryInProcess, {
                  initialMs: this.policy.initialDelayMs,
                  maxMs: this.policy.maxDelayMs,
                  jitter: 'full',
                }),
              );
              await heartbeat();
            }
          }
        }
        const failure = lastError ?? new Error('handler failed');
        if (previousTrips < this.policy.retryTopicAttempts) {
          await this.toRetryTopic(eventTopic, topic, partition, message, failure, previousTrips + 1);
        } else {
          await this.deadLetter(topic, partition, message, failure, attempt);
        }
      },
    );
  }

  /** Decodes a record's value and checks that the event makes sense before any handler sees it. */
  private async decodeSensible(topic: TopicName, value: Buffer | null): Promise<EventOf<TopicName>> {
    const event = await this.serde.decode(topic, value);
    const problem = implausibility(topic, event, Date.now(), this.options.plausibility);
    if (problem) throw new ImplausibleEventError(problem);
    return event;
  }

  private async waitUntil(notBefore: number, heartbeat: () => Promise<void>): Promise<void> {
    for (let wait = notBefore - Date.now(); wait > 0; wait = notBefore - Date.now()) {
      await sleep(Math.min(wait, 1_000));
      await heartbeat();
    }
  }

  /** The original location of a record: its own, or the one a retry record carries. */
  private origin(topic: string, partition: number, message: KafkaMessage): Record<string, string> {
    return {
      [HEADERS.originalTopic]: header(message.headers, HEADERS.originalTopic) ?? topic,
      [HEADERS.originalPartition]: header(message.headers, HEADERS.originalPartition) ?? String(partition),
      [HEADERS.originalOffset]: header(message.headers, HEADERS.originalOffset) ?? message.offset,
    };
  }

  /** The record's own headers (trace context among them), without this package's. */
  private passthroughHeaders(message: KafkaMessage): IHeaders {
    const out: IHeaders = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      if (!OWN_HEADERS.has(name) && value !== undefined) out[name] = value;
    }
    return out;
  }

  private failureHeaders(error: Error, attempts: number): Record<string, string> {
    return {
      [HEADERS.errorClass]: error.name,
      [HEADERS.errorMessage]: error.message.slice(0, 1_000),
      [HEADERS.attempts]: String(attempts),
      [HEADERS.failedAt]: new Date().toISOString(),
      [HEADERS.consumer]: String(this.options.service),
    };
  }

  private async toRetryTopic(
    eventTopic: string,
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: Error,
    trips: number,
  ): Promise<void> {
    await this.publisher.send([
      {
        topic: this.names.retry(eventTopic, String(this.options.service)),
        key: message.key?.toString() ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers: {
          ...this.passthroughHeaders(message),
          ...this.origin(topic, partition, message),
          ...this.failureHeaders(error, trips),
          [HEADERS.notBefore]: String(Date.now() + this.policy.retryTopicDelayMs),
        },
      },
    ]);
    this.metrics.retried?.(eventTopic);
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: Error,
    attempts: number,
  ): Promise<void> {
    const origin = this.origin(topic, partition, message);
    const originalTopic = this.names.logical(origin[HEADERS.originalTopic] ?? topic) ?? topic;
    const record: RawRecord = {
      topic: this.names.deadLetter(originalTopic, String(this.options.service)),
      key: message.key?.toString() ?? '',
      value: message.value ?? Buffer.alloc(0),
      headers: { ...this.passthroughHeaders(message), ...origin, ...this.failureHeaders(error, attempts) },
    };
    await this.publisher.send([record]);
    this.metrics.deadLettered?.(originalTopic, error.name);
    this.options.onDeadLetter?.(record, error);
  }
}

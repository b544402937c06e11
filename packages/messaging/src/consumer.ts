import { setTimeout as sleep } from 'node:timers/promises';
import { businessAttributes, type EventOf, type ServiceName, type TopicName } from '@switchboard/contracts';
import { type Context, context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { backoffDelayMs, type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { ImplausibleEventError, UndecodableMessageError } from './errors.ts';
import { type InfrastructureFailure, infrastructureFailure } from './failures.ts';
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
  /**
   * How long a record waits in the retry topic before its next try (default 5 s); also the most
   * any retry record waits, whatever its `x-retry-not-before` says.
   */
  readonly retryTopicDelayMs: number;
  /**
   * First pause of a partition whose record failed for the infrastructure (default 1 s); each
   * further failure doubles it, with jitter, up to pauseMaxMs (default 10 s, so a partition resumes
   * at most ~10 s after its dependency is back). It pauses for as long
   * as the failure lasts: such a record never goes to the retry or dead-letter topic.
   */
  readonly pauseInitialMs: number;
  readonly pauseMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  retryTopicAttempts: 2,
  retryTopicDelayMs: 5_000,
  pauseInitialMs: 1_000,
  pauseMaxMs: 10_000,
};

/** A partition the consumer holds back because a dependency fails; what readiness and logs show. */
export interface PartitionPause {
  /** The event topic (logical name) of the partition; a retry topic's is its event topic. */
  readonly topic: string;
  /** The physical topic paused (the event topic or its retry topic). */
  readonly physicalTopic: string;
  readonly partition: number;
  /** The failing dependency: `database`, `schema-registry`, `kafka`, `smtp`, `network (host:port)`. */
  readonly dependency: string;
  /** The last failure, one line. */
  readonly reason: string;
  readonly errorClass: string;
  /** When the partition was first paused for this run of failures (epoch ms). */
  readonly since: number;
  /** Pauses in this run of failures so far. */
  readonly pauses: number;
}

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
  /** Called once for each record sent to the retry topic, e.g. to log it. */
  readonly onRetryScheduled?: (record: RawRecord, error: Error) => void;
  /** Called when a partition is first paused for a failing dependency (not at each further pause). */
  readonly onPaused?: (pause: PartitionPause) => void;
  /** Called when a paused partition handled its record after all; `pausedMs` since the first pause. */
  readonly onResumed?: (pause: PartitionPause, pausedMs: number) => void;
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
 * What became of a record: handled or parked (`done`, its offset may be committed), not yet due
 * (a retry record; its partition waits until `until`), or held because a dependency failed.
 */
type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'due-later'; readonly until: number }
  | { readonly kind: 'dependency-failed'; readonly failure: InfrastructureFailure; readonly error: Error };

const DONE: Outcome = { kind: 'done' };

/** A decoded record, or why it could not be. */
type Decoded =
  | { readonly ok: true; readonly event: EventOf<TopicName> }
  | { readonly ok: false; readonly error: Error; readonly failure?: InfrastructureFailure };

/** How long the consumer waits for the registry before it pauses the partition instead. */
const REGISTRY_PATIENCE_MS = 2_000;

const partitionKey = (topic: string, partition: number): string => `${topic}|${partition}`;

/**
 * Consumes the topics of a service's handlers, plus its retry topics. A record's offset is
 * committed only after its handler succeeded or the record was parked in the retry or dead-letter
 * topic, so nothing is lost.
 *
 * A failure is either the event's or the infrastructure's (`infrastructureFailure`). The event's
 * (undecodable, implausible, a domain error, a bug) never holds its partition longer than its
 * in-process retries: the record goes to the retry topic, then to the dead-letter topic. The
 * infrastructure's (database, broker, registry, mail server unreachable; a lock timeout, a
 * serialization failure) parks nothing: the partition is paused and the record tried again with
 * backoff for as long as the failure lasts, while the consumer keeps heartbeating and the other
 * partitions flow; `pauses` says which, for readiness. A retry record not yet due pauses only its
 * own partition, for at most the retry topic's delay.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly policy: RetryPolicy;
  private readonly handlers = new Map<string, EventHandler>();
  private readonly metrics: MessagingMetrics;
  private readonly names: TopicNames;
  private readonly inbox: Inbox;
  /** Partitions paused for a failing dependency, by physical topic and partition. */
  private readonly paused = new Map<string, PartitionPause>();
  /** Timers that resume paused partitions. */
  private readonly resumeTimers = new Map<string, NodeJS.Timeout>();
  /** When each waiting retry record (by partition) falls due, fixed when it is first seen. */
  private readonly retryDue = new Map<string, { offset: string; due: number }>();
  private stopped = false;

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
    // A partition taken away in a rebalance is no longer this consumer's to hold back.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((p) => partitionKey(topic, p)),
        ),
      );
      for (const key of [...this.paused.keys(), ...this.resumeTimers.keys(), ...this.retryDue.keys()]) {
        if (!assigned.has(key)) this.forget(key);
      }
      this.metrics.pausedPartitions?.(this.paused.size);
    });
  }

  /** The physical topics this consumer reads: each handled topic and its retry topic. */
  get topics(): string[] {
    const service = String(this.options.service);
    return [...this.handlers.keys()].flatMap((t) => [this.names.physical(t), this.names.retry(t, service)]);
  }

  /** The partitions held back right now because a dependency fails (readiness reports them). */
  get pauses(): PartitionPause[] {
    return [...this.paused.values()];
  }

  async start(): Promise<void> {
    this.stopped = false;
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
    this.stopped = true;
    // A consumer started again starts with nothing paused.
    for (const timer of this.resumeTimers.values()) clearTimeout(timer);
    this.resumeTimers.clear();
    this.paused.clear();
    this.retryDue.clear();
    this.metrics.pausedPartitions?.(0);
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
    const resolve = async (offset: string): Promise<void> => {
      payload.resolveOffset(offset);
      await payload.commitOffsetsIfNecessary();
      await heartbeat();
    };
    // Retry records go one by one (each may have to wait); so do a handler's without handleBatch.
    if (handler?.handleBatch) {
      const batchHandler = { topic: handler.topic, handleBatch: handler.handleBatch.bind(handler) };
      const size = this.options.maxBatchSize ?? 500;
      for (let start = 0; start < batch.messages.length; start += size) {
        if (!payload.isRunning() || payload.isStale()) return;
        const chunk = batch.messages.slice(start, start + size);
        const { done, outcome } = await this.processBatch(
          batchHandler,
          batch.topic,
          batch.partition,
          chunk,
          heartbeat,
        );
        const last = chunk[done - 1];
        if (last) await resolve(last.offset);
        if (outcome.kind !== 'done') return this.holdBack(batch.topic, batch.partition, outcome);
        this.released(batch.topic, batch.partition);
      }
      return;
    }
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) return;
      const outcome = await this.process(batch.topic, batch.partition, message, heartbeat);
      // Not handled, so its offset stays where it is: the partition is fetched from it again.
      if (outcome.kind !== 'done') return this.holdBack(batch.topic, batch.partition, outcome);
      this.released(batch.topic, batch.partition);
      // Only now, handled or parked, may its offset be committed.
      await resolve(message.offset);
    }
  }

  /** Pauses a partition until a retry record is due, or with backoff while a dependency fails. */
  private holdBack(topic: string, partition: number, outcome: Exclude<Outcome, { kind: 'done' }>): void {
    if (this.stopped) return;
    const key = partitionKey(topic, partition);
    let delay: number;
    if (outcome.kind === 'due-later') {
      delay = Math.max(0, outcome.until - Date.now());
    } else {
      const previous = this.paused.get(key);
      const pause: PartitionPause = {
        topic: this.names.logical(topic) ?? topic,
        physicalTopic: topic,
        partition,
        dependency: outcome.failure.dependency,
        reason: outcome.failure.reason,
        errorClass: outcome.error.name,
        since: previous?.since ?? Date.now(),
        pauses: (previous?.pauses ?? 0) + 1,
      };
      this.paused.set(key, pause);
      delay = backoffDelayMs(pause.pauses, {
        initialMs: this.policy.pauseInitialMs,
        maxMs: this.policy.pauseMaxMs,
        jitter: 'equal',
      });
      this.metrics.paused?.(pause.topic, pause.dependency);
      this.metrics.pausedPartitions?.(this.paused.size);
      if (!previous) this.options.onPaused?.(pause);
    }
    this.consumer.pause([{ topic, partitions: [partition] }]);
    clearTimeout(this.resumeTimers.get(key));
    this.resumeTimers.set(
      key,
      setTimeout(() => {
        this.resumeTimers.delete(key);
        if (!this.stopped) this.consumer.resume([{ topic, partitions: [partition] }]);
      }, delay),
    );
  }

  /** A partition's record was handled: a pause for a failing dependency is over. */
  private released(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    const pause = this.paused.get(key);
    if (!pause) return;
    this.paused.delete(key);
    this.metrics.pausedPartitions?.(this.paused.size);
    this.options.onResumed?.(pause, Date.now() - pause.since);
  }

  /** Drops what is known of a partition's pause and lets kafkajs fetch it again. */
  private forget(key: string): void {
    const cut = key.lastIndexOf('|');
    this.consumer.resume([{ topic: key.slice(0, cut), partitions: [Number(key.slice(cut + 1))] }]);
    clearTimeout(this.resumeTimers.get(key));
    this.resumeTimers.delete(key);
    this.paused.delete(key);
    this.retryDue.delete(key);
  }

  /** Decodes a record and checks it makes sense; says whether a failure is the record's or not. */
  private async decode(eventTopic: TopicName, value: Buffer | null): Promise<Decoded> {
    try {
      return { ok: true, event: await this.decodeSensible(eventTopic, value) };
    } catch (error) {
      const failed = asError(error);
      if (failed instanceof UndecodableMessageError || failed instanceof ImplausibleEventError)
        return { ok: false, error: failed };
      const failure = infrastructureFailure(failed);
      return failure ? { ok: false, error: failed, failure } : { ok: false, error: failed };
    }
  }

  /**
   * Hands consecutive records of one partition to `handleBatch`, each in its own CONSUMER span
   * continuing its producer's trace; undecodable ones are parked after the batch committed. If the
   * batch fails for the event's sake, every record is processed again on its own, with retries and
   * parking as usual. Returns how many records of `messages` are done, and what stopped the rest.
   */
  private async processBatch(
    handler: Required<Pick<EventHandler, 'topic' | 'handleBatch'>>,
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<{ done: number; outcome: Outcome }> {
    const eventTopic = this.names.logical(topic) as TopicName;
    const items: BatchItem[] = [];
    const spans: Span[] = [];
    const unreadable: { message: KafkaMessage; error: Error }[] = [];
    let outcome: Outcome = DONE;
    let count = 0;
    for (const message of messages) {
      const decoded = await this.decode(eventTopic, message.value);
      if (!decoded.ok && decoded.failure) {
        // The registry is out of reach: the records before this one go ahead, the rest wait.
        outcome = { kind: 'dependency-failed', failure: decoded.failure, error: decoded.error };
        break;
      }
      count++;
      const key = message.key?.toString() ?? '';
      const parent = extractTraceContext(message.headers);
      const span = startProcessSpan(
        { topic, key, partition, offset: message.offset, consumerGroup: String(this.options.service) },
        parent,
      );
      spans.push(span);
      if (!decoded.ok) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: decoded.error.name });
        unreadable.push({ message, error: decoded.error });
        continue;
      }
      const { event } = decoded;
      if (span.isRecording()) {
        span.setAttribute('messaging.message.id', event.meta.eventId);
        span.setAttributes(businessAttributes(event));
      }
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
      for (const { message, error } of unreadable) await this.deadLetter(topic, partition, message, error, 1);
    } catch (error) {
      const failed = asError(error);
      this.metrics.failed?.(eventTopic, failed.name);
      for (const span of spans) span.end();
      const failure = infrastructureFailure(failed);
      // Nothing of the chunk is done; it is fetched again once the dependency answers.
      if (failure) return { done: 0, outcome: { kind: 'dependency-failed', failure, error: failed } };
      for (let index = 0; index < count; index++) {
        const message = messages[index];
        if (!message) break;
        const each = await this.process(topic, partition, message, heartbeat);
        if (each.kind !== 'done') return { done: index, outcome: each };
      }
      return { done: count, outcome };
    }
    for (const span of spans) span.end();
    return { done: count, outcome };
  }

  /**
   * Handles one record, or parks it in the retry or dead-letter topic. A retry record not yet due
   * is left for later, and so is a record whose handling (or parking) failed for the
   * infrastructure.
   */
  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    // Retry records carry the physical topic they were first read from.
    const fromRetry = header(message.headers, HEADERS.originalTopic);
    const eventTopic = this.names.logical(fromRetry ?? topic) as TopicName;
    const handler = this.handlers.get(eventTopic);
    if (!handler) return DONE; // Not ours (a retry record of another topic cannot reach this group).
    const previousTrips = Number(header(message.headers, HEADERS.attempts) ?? 0);

    if (fromRetry) {
      const until = this.dueAt(topic, partition, message);
      if (until > Date.now()) return { kind: 'due-later', until };
    }

    const key = message.key?.toString() ?? '';
    const traceParent = extractTraceContext(message.headers);
    let attempt = previousTrips * this.policy.attempts;
    return withProcessSpan(
      { topic, key, partition, offset: message.offset, consumerGroup: String(this.options.service) },
      traceParent,
      async (span): Promise<Outcome> => {
        const decoded = await this.decode(eventTopic, message.value);
        if (!decoded.ok) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: decoded.error.name });
          if (decoded.failure)
            return { kind: 'dependency-failed', failure: decoded.failure, error: decoded.error };
          return this.park(() => this.deadLetter(topic, partition, message, decoded.error, attempt + 1));
        }
        const { event } = decoded;
        if (span.isRecording()) {
          span.setAttribute('messaging.message.id', event.meta.eventId);
          span.setAttributes(businessAttributes(event));
        }
        this.metrics.consumed?.(eventTopic);
        this.metrics.eventAge?.(eventTopic, Date.now() - event.meta.occurredAt);
        let lastError: Error = new Error('handler failed');
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
            this.retryDue.delete(partitionKey(topic, partition));
            return DONE;
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
        const failure = infrastructureFailure(lastError);
        if (failure) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: lastError.name });
          return { kind: 'dependency-failed', failure, error: lastError };
        }
        this.retryDue.delete(partitionKey(topic, partition));
        if (previousTrips < this.policy.retryTopicAttempts) {
          return this.park(() =>
            this.toRetryTopic(eventTopic, topic, partition, message, lastError, previousTrips + 1),
          );
        }
        return this.park(() => this.deadLetter(topic, partition, message, lastError, attempt));
      },
    );
  }

  /**
   * When a retry record falls due: its `x-retry-not-before`, but never later than the retry
   * topic's delay after this consumer first saw it, so a wrong header cannot block its partition.
   */
  private dueAt(topic: string, partition: number, message: KafkaMessage): number {
    const key = partitionKey(topic, partition);
    const known = this.retryDue.get(key);
    if (known?.offset === message.offset) return known.due;
    const notBefore = Number(header(message.headers, HEADERS.notBefore) ?? 0);
    const latest = Date.now() + this.policy.retryTopicDelayMs;
    const due = Number.isFinite(notBefore) ? Math.min(notBefore, latest) : Date.now();
    this.retryDue.set(key, { offset: message.offset, due });
    return due;
  }

  /** Sends a record to the retry or dead-letter topic; a broker out of reach holds it instead. */
  private async park(send: () => Promise<void>): Promise<Outcome> {
    try {
      await send();
      return DONE;
    } catch (error) {
      const failed = asError(error);
      const failure = infrastructureFailure(failed) ?? { dependency: 'kafka', reason: failed.message };
      return { kind: 'dependency-failed', failure, error: failed };
    }
  }

  /** Decodes a record's value and checks that the event makes sense before any handler sees it. */
  private async decodeSensible(topic: TopicName, value: Buffer | null): Promise<EventOf<TopicName>> {
    const event = await this.serde.decode(topic, value, REGISTRY_PATIENCE_MS);
    const problem = implausibility(topic, event, Date.now(), this.options.plausibility);
    if (problem) throw new ImplausibleEventError(problem);
    return event;
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
    const record: RawRecord = {
      topic: this.names.retry(eventTopic, String(this.options.service)),
      key: message.key?.toString() ?? '',
      value: message.value ?? Buffer.alloc(0),
      headers: {
        ...this.passthroughHeaders(message),
        ...this.origin(topic, partition, message),
        ...this.failureHeaders(error, trips),
        [HEADERS.notBefore]: String(Date.now() + this.policy.retryTopicDelayMs),
      },
    };
    await this.publisher.send([record]);
    this.metrics.retried?.(eventTopic);
    this.options.onRetryScheduled?.(record, error);
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

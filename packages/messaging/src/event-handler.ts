import { Inject, Injectable, type Type } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import type { EventOf, TopicName } from '@switchboard/contracts';
import type { SqlExecutor } from '@switchboard/database';
import type { BatchItem, EventHandler, HandlerContext } from './consumer.ts';

/** A handler class as a service lists it: the topic it consumes is known without an instance. */
export type EventHandlerClass<T extends TopicName = TopicName> = Type<EventHandler<T>> & {
  readonly topic: T;
};

export interface EventHandlerOptions<T extends TopicName = TopicName, Target = unknown> {
  /**
   * Handles a partition's consecutive records one after the other, in their order, in one
   * transaction with their inbox records (the default is a transaction per record): a commit per
   * batch instead of per event, which is where a busy consumer's time goes. Fit for a handler whose
   * work for an event does not need the previous event's transaction to have ended. Should the
   * batch fail, each record is handled again on its own with the usual retries, so a bad record
   * still fails alone. Locks taken per event are held until the batch commits: when batches of
   * concurrent partitions may lock the same things, `lockFirst` takes all of a batch's locks in one
   * order before the first event (else PostgreSQL breaks the deadlock and the batch is retried).
   */
  readonly batched?:
    | true
    | {
        readonly lockFirst: (target: Target, tx: SqlExecutor, events: readonly EventOf<T>[]) => Promise<void>;
      }
    | {
        /**
         * Handles the whole batch at once, in its order, instead of one event after the other: for
         * a handler whose work per event is several statements, which it can then do once per
         * batch. Each item carries its record's trace context (`item.context.trace`), for what the
         * handler stores or enqueues for it. The function given to `eventHandler` still handles a
         * record alone, when its batch failed: the two should do the same.
         */
        readonly handleAll: (
          target: Target,
          tx: SqlExecutor,
          items: readonly BatchItem<T>[],
        ) => Promise<void>;
      };
}

/**
 * The handler of one topic that hands each event to the provider it names (a use case, or a
 * repository for a plain view), in the transaction the bus opened for it:
 *
 * ```ts
 * eventHandler('conference.call-completed.v1', ChargeCallsUseCase, (charging, tx, event) =>
 *   charging.callCompleted(tx, event),
 * )
 * ```
 *
 * The result is an injectable class, listed in the service's `handlers`; the provider is injected
 * from the service's feature modules.
 */
export function eventHandler<T extends TopicName, Target>(
  topic: T,
  target: Type<Target>,
  handle: (target: Target, tx: SqlExecutor, event: EventOf<T>, context: HandlerContext) => Promise<void>,
  options: EventHandlerOptions<T, Target> = {},
): EventHandlerClass<T> {
  const { batched } = options;
  @Injectable()
  class TopicHandler implements EventHandler<T> {
    static readonly topic = topic;
    readonly topic = topic;
    /** Present only when the handler is `batched`: the bus then hands it whole batches. */
    readonly handleBatch = batched
      ? async (tx: SqlExecutor, items: readonly BatchItem<T>[]): Promise<void> => {
          if (batched !== true && 'handleAll' in batched) {
            await batched.handleAll(this.target, tx, items);
            return;
          }
          if (batched !== true) {
            const events = items.map((item) => item.event);
            await batched.lockFirst(this.target, tx, events);
          }
          // Each in its own record's span, as it would be handled alone.
          for (const item of items) {
            await context.with(item.context.trace, () => this.handle(tx, item.event, item.context));
          }
        }
      : undefined;

    constructor(@Inject(target) private readonly target: Target) {}

    handle(tx: SqlExecutor, event: EventOf<T>, context: HandlerContext): Promise<void> {
      return handle(this.target, tx, event, context);
    }
  }
  // Named after its topic in NestJS's errors and logs.
  Object.defineProperty(TopicHandler, 'name', { value: `${topic} handler` });
  return TopicHandler;
}

import { Inject, Injectable, type Type } from '@nestjs/common';
import type { EventOf, TopicName } from '@switchboard/contracts';
import type { SqlExecutor } from '@switchboard/database';
import type { EventHandler, HandlerContext } from './consumer.ts';

/** A handler class as a service lists it: the topic it consumes is known without an instance. */
export type EventHandlerClass<T extends TopicName = TopicName> = Type<EventHandler<T>> & {
  readonly topic: T;
};

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
): EventHandlerClass<T> {
  @Injectable()
  class TopicHandler implements EventHandler<T> {
    static readonly topic = topic;
    readonly topic = topic;
    constructor(@Inject(target) private readonly target: Target) {}

    handle(tx: SqlExecutor, event: EventOf<T>, context: HandlerContext): Promise<void> {
      return handle(this.target, tx, event, context);
    }
  }
  // Named after its topic in NestJS's errors and logs.
  Object.defineProperty(TopicHandler, 'name', { value: `${topic} handler` });
  return TopicHandler;
}

import { deadLetterTopicOf, retryTopicOf } from '@switchboard/contracts';

/**
 * Maps catalog (logical) topic names to the topics on the broker. An optional prefix gives one
 * environment or one test run its own set of topics and subjects on a shared cluster.
 */
export class TopicNames {
  constructor(readonly prefix = '') {}

  physical(logical: string): string {
    return `${this.prefix}${logical}`;
  }

  /** The logical name of a physical topic, or undefined when it lacks this prefix. */
  logical(physical: string): string | undefined {
    return physical.startsWith(this.prefix) ? physical.slice(this.prefix.length) : undefined;
  }

  retry(logical: string, consumer: string): string {
    return this.physical(retryTopicOf(logical, consumer));
  }

  deadLetter(logical: string, consumer: string): string {
    return this.physical(deadLetterTopicOf(logical, consumer));
  }

  /**
   * A consumer's group. It carries the prefix too: kafkajs's assigner hands every member of a
   * group partitions of every topic the group subscribes to, so two environments sharing a group
   * name would each be given the other's partitions.
   */
  group(consumer: string): string {
    return `${this.prefix}${consumer}`;
  }
}

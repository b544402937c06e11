import { describe, expect, it } from 'vitest';
import type { PartitionPause } from './consumer.ts';
import { consumerPauseProblem } from './readiness.ts';

const pause = (overrides: Partial<PartitionPause>): PartitionPause => ({
  topic: 'billing.call-charged',
  physicalTopic: 'billing.call-charged.v1',
  partition: 0,
  dependency: 'database',
  reason: 'database unavailable: Connection terminated',
  errorClass: 'DatabaseUnavailableError',
  since: 0,
  pauses: 1,
  ...overrides,
});

describe('what readiness says about paused partitions', () => {
  it('says nothing while no partition is paused', () => {
    expect(consumerPauseProblem([], 10_000)).toBeUndefined();
  });

  it('names each failing dependency, how many partitions of which topics, for how long, and the latest reason', () => {
    const problem = consumerPauseProblem(
      [
        pause({ partition: 0, since: 1_000 }),
        pause({
          partition: 1,
          since: 4_000,
          reason: 'database unavailable: timeout exceeded when trying to connect',
        }),
        pause({
          topic: 'crm.customer-registered',
          dependency: 'schema-registry',
          since: 8_000,
          reason: 'registry unreachable',
        }),
      ],
      31_000,
    );
    expect(problem).toBe(
      'database failing: 2 partition(s) of billing.call-charged paused for 30 s ' +
        '(database unavailable: timeout exceeded when trying to connect); ' +
        'schema-registry failing: 1 partition(s) of crm.customer-registered paused for 23 s (registry unreachable)',
    );
  });
});

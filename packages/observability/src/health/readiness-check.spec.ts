import { describe, expect, it } from 'vitest';
import { runChecks } from './readiness-check.ts';

describe('runChecks', () => {
  it('reports down, with the reason, when a dependency hangs past the timeout', async () => {
    const report = await runChecks(
      [
        { name: 'kafka', check: () => new Promise(() => undefined) },
        { name: 'database', check: async () => undefined },
      ],
      50,
    );
    expect(report).toEqual({
      status: 'down',
      checks: {
        kafka: { status: 'down', error: 'no answer within 50 ms' },
        database: { status: 'up' },
      },
    });
  });

  it('is up when there is nothing to check', async () => {
    expect(await runChecks([])).toEqual({ status: 'up', checks: {} });
  });
});

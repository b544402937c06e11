import { describe, expect, it } from 'vitest';
import { pruneExpired, type RetentionRule, RetentionPruner } from './retention.ts';
import type { SqlDatabase, SqlExecutor } from './sql.ts';

/** A rule with `rows` rows past their retention, pruning at most `limit` per batch. */
function ruleWith(name: string, rows: number): RetentionRule & { batches: number[] } {
  let left = rows;
  const batches: number[] = [];
  return {
    name,
    batches,
    pruneBatch(_db, limit) {
      const count = Math.min(left, limit);
      left -= count;
      batches.push(count);
      return Promise.resolve(count);
    },
  };
}

const db = {} as SqlExecutor & SqlDatabase;

describe('retention', () => {
  it('prunes batch after batch until a batch comes back short', async () => {
    const rule = ruleWith('inbox', 7);
    expect(await pruneExpired(db, rule, 3)).toBe(7);
    expect(rule.batches).toEqual([3, 3, 1]);
    const exact = ruleWith('inbox', 6);
    expect(await pruneExpired(db, exact, 3)).toBe(6);
    expect(exact.batches).toEqual([3, 3, 0]);
  });

  it('runs every rule of a round even when one fails, and reports only what pruned something', async () => {
    const pruned: [string, number][] = [];
    const failures: [string | undefined, unknown][] = [];
    const broken: RetentionRule = {
      name: 'broken',
      pruneBatch: () => Promise.reject(new Error('relation "call_events" does not exist')),
    };
    const pruner = new RetentionPruner(db, [ruleWith('inbox', 2), broken, ruleWith('sent-mail', 0)], {
      onPruned: (rule, rows) => pruned.push([rule, rows]),
      onError: (error, rule) => failures.push([rule, error]),
    });
    expect(await pruner.round()).toEqual({ inbox: 2, 'sent-mail': 0 });
    expect(pruned).toEqual([['inbox', 2]]);
    expect(failures).toEqual([['broken', new Error('relation "call_events" does not exist')]]);
  });
});

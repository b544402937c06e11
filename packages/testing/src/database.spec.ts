import { describe, expect, it } from 'vitest';
import { testDatabaseName } from './database.ts';

describe('testDatabaseName', () => {
  it('keeps a plain prefix and adds a random suffix', () => {
    const [a, b] = [testDatabaseName('orders'), testDatabaseName('orders')];
    expect(a).toMatch(/^orders_[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('turns any prefix into an identifier that needs no quoting and fits in 63 bytes', () => {
    for (const prefix of [
      'Conference-Bridge',
      '1st test',
      'x"; DROP DATABASE postgres; --',
      '',
      'é'.repeat(80),
    ]) {
      const name = testDatabaseName(prefix);
      expect(name, prefix).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(Buffer.byteLength(name), prefix).toBeLessThanOrEqual(63);
    }
    expect(testDatabaseName('Conference-Bridge')).toMatch(/^conference_bridge_[0-9a-f]{12}$/);
  });
});

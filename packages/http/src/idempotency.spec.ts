import { describe, expect, it } from 'vitest';
import { idempotencyKeySchema, requestHash } from './idempotency.ts';

describe('requestHash', () => {
  it('is the same for the same request whatever the order of its fields, and differs otherwise', () => {
    const a = { name: 'x', audience: { countries: ['DE'], segments: ['ENTERPRISE'] } };
    const b = { audience: { segments: ['ENTERPRISE'], countries: ['DE'] }, name: 'x' };
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).not.toBe(requestHash({ ...a, name: 'y' }));
    // Array order is part of the request.
    expect(requestHash({ l: [1, 2] })).not.toBe(requestHash({ l: [2, 1] }));
  });
});

describe('idempotencyKeySchema', () => {
  it('names what the key is for when it is missing, and refuses short keys', () => {
    const schema = idempotencyKeySchema('campaign');
    expect(schema.safeParse(undefined).error?.issues[0]?.message).toBe(
      'is required: a unique key per campaign, reused when the request is retried',
    );
    expect(schema.safeParse('short').success).toBe(false);
    expect(schema.safeParse('3f0c9a52-7d7e-4c57-9f61-0d6a8a7f1b2e').success).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { BUSINESS_KEYS, businessAttributes } from './business-keys.ts';
import { TOPICS } from './catalog.ts';
import { EVENT_SCHEMAS } from './generated/schemas.ts';

describe('business keys', () => {
  it('tags an event with the business keys among its top-level fields, and only those', () => {
    const attributes = businessAttributes({
      meta: { eventId: 'e-1' },
      orderId: 'o-1',
      customerId: 'c-1',
      durationMinutes: 60,
      contactEmail: 'someone@example.com',
    });
    expect(attributes).toEqual({ 'switchboard.order.id': 'o-1', 'switchboard.customer.id': 'c-1' });
  });

  it('leaves out empty and non-string values', () => {
    expect(businessAttributes({ orderId: '', callId: null, invoiceNumber: 42 })).toEqual({});
  });

  it.each(Object.entries(TOPICS))('never takes personal data from %s', (_, spec) => {
    const fields = new Set<string>(Object.values(BUSINESS_KEYS).map((k) => k.field));
    for (const path of spec.personalData) expect(fields.has(path.split('.')[0] ?? '')).toBe(false);
  });

  it('finds every business key in at least one event schema', () => {
    const fields = new Set(
      Object.values(EVENT_SCHEMAS).flatMap((schema) =>
        (schema as { fields: { name: string }[] }).fields.map((f) => f.name),
      ),
    );
    for (const { field } of Object.values(BUSINESS_KEYS)) expect(fields.has(field), field).toBe(true);
  });
});

import { TOPICS } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';
import { MASK, masked } from './masking.ts';

describe('masking personal data', () => {
  it("hides a customer's name, email, phone and address, and nothing else", () => {
    const event = {
      customerId: 'c-1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: null,
      address: { street: '1 Main St', city: 'London', country: 'GB' },
      segment: 'SMB',
    };
    expect(masked(event, TOPICS['crm.customer-registered.v1'].personalData)).toEqual({
      customerId: 'c-1',
      name: MASK,
      email: MASK,
      phone: null,
      address: MASK,
      segment: 'SMB',
    });
    expect(event.name).toBe('Ada Lovelace');
  });

  it('reaches fields inside arrays of records', () => {
    const call = {
      callId: 'k-1',
      participants: [
        { callerNumber: '+4930123', joinedAt: 1 },
        { callerNumber: '+4930456', joinedAt: 2 },
      ],
    };
    expect(masked(call, TOPICS['conference.call-completed.v1'].personalData)).toEqual({
      callId: 'k-1',
      participants: [
        { callerNumber: MASK, joinedAt: 1 },
        { callerNumber: MASK, joinedAt: 2 },
      ],
    });
  });
});

import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { eventCallId } from './event-call-id.ts';

describe('eventCallId', () => {
  it('keeps a bridge call id that is a UUID', () => {
    expect(eventCallId('6F9619FF-8B86-4D11-B42D-00C04FC964FF')).toBe('6f9619ff-8b86-4d11-b42d-00c04fc964ff');
  });

  it('turns any other bridge call id into the same UUID v5 every time, and different ids into different UUIDs', () => {
    const id = eventCallId('cdr-4711');
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(5);
    expect(eventCallId('cdr-4711')).toBe(id);
    expect(eventCallId('cdr-4712')).not.toBe(id);
  });
});

import { describe, expect, it } from 'vitest';
import { describeSendFailure, withoutAddresses } from './send-failure.ts';

const smtpError = (fields: Record<string, unknown>): Error =>
  Object.assign(new Error(String(fields.message)), fields);

describe('describeSendFailure', () => {
  it('keeps the code and the server answer but no email address', () => {
    const failure = describeSendFailure(
      smtpError({
        message:
          "Can't send mail - all recipients were rejected: 550 5.1.1 <jane.doe@example.com>: unknown user",
        code: 'EENVELOPE',
        responseCode: 550,
        permanent: true,
      }),
    );
    expect(failure.reason).toBe(
      "EENVELOPE 550: Can't send mail - all recipients were rejected: 550 5.1.1 <<address>>: unknown user",
    );
    expect(failure.reason).not.toContain('@');
    expect(failure.permanent).toBe(true);
  });

  it('retries what the server or the network may get over', () => {
    expect(
      describeSendFailure(
        smtpError({ message: '421 try later', code: 'EPROTOCOL', responseCode: 421, permanent: false }),
      ).permanent,
    ).toBe(false);
    expect(
      describeSendFailure(smtpError({ message: 'Connection closed', code: 'ECONNECTION' })).permanent,
    ).toBe(false);
    // A refused login is a configuration problem an operator fixes: the mail waits for it.
    expect(
      describeSendFailure(
        smtpError({ message: 'Invalid login', code: 'EAUTH', responseCode: 535, permanent: true }),
      ).permanent,
    ).toBe(false);
    expect(describeSendFailure('boom')).toEqual({ reason: 'Error: boom', permanent: false });
  });

  it('replaces addresses wherever they appear', () => {
    expect(withoutAddresses('to a.b+c@x.example, "d@e.org" and (f@g.co)')).toBe(
      'to <address>, "<address>" and (<address>)',
    );
  });
});

import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { stackEndpoints, testSmtp } from '@switchboard/testing';

/** Connects, speaks TLS and logs in as given, as mailing does; resolves once the server accepted. */
async function login(options: { user?: string; pass?: string; trust?: boolean }): Promise<void> {
  const { caFile } = testSmtp();
  const transport = nodemailer.createTransport({
    url: stackEndpoints().smtpUrl,
    connectionTimeout: 5_000,
    ...(options.user !== undefined && { auth: { user: options.user, pass: options.pass ?? '' } }),
    tls: {
      rejectUnauthorized: true,
      ...(options.trust !== false && caFile && { ca: [readFileSync(caFile, 'utf8')] }),
    },
  });
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}

describe("the stack's SMTP server: TLS and a password", () => {
  const smtp = testSmtp();

  it('takes mailing with its password, over TLS it can check', async () => {
    if (!smtp.username || !smtp.password)
      throw new Error('the run knows no SMTP login: this test needs the local stack');
    await expect(login({ user: smtp.username, pass: smtp.password })).resolves.toBeUndefined();
  });

  it('refuses a wrong password, and a client that sends none', async () => {
    await expect(login({ user: smtp.username ?? 'mailing', pass: 'not-the-password' })).rejects.toThrow(
      /Invalid login|535/,
    );
    const anonymous = nodemailer.createTransport({
      url: stackEndpoints().smtpUrl,
      tls: { ca: smtp.caFile ? [readFileSync(smtp.caFile, 'utf8')] : [] },
    });
    // An anonymous client cannot hand over mail: the server asks for a login first.
    await expect(
      anonymous.sendMail({ from: 'nobody@example.test', to: 'someone@example.test', text: 'x' }),
    ).rejects.toThrow(/auth|530/i);
    anonymous.close();
  });

  it('speaks TLS from the first byte, so a client that does not trust its certificate never logs in', async () => {
    await expect(login({ user: smtp.username, pass: smtp.password, trust: false })).rejects.toThrow(
      /certificate/i,
    );
  });
});

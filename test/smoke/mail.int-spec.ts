import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { MailReader, stackEndpoints, testSmtp, waitFor } from '@switchboard/testing';

describe('SMTP server', () => {
  const endpoints = stackEndpoints();

  it('delivers a mail sent over SMTP and shows it over its HTTP API', async () => {
    const recipient = `smoke-${randomUUID()}@example.test`;
    const { username, password, caFile } = testSmtp();
    const transport = nodemailer.createTransport({
      url: endpoints.smtpUrl,
      ...(username && password && { auth: { user: username, pass: password } }),
      ...(caFile && { tls: { ca: [readFileSync(caFile, 'utf8')] } }),
    });
    await transport.sendMail({
      from: 'switchboard@example.test',
      to: recipient,
      subject: 'Smoke test',
      text: 'The stack delivers mail.',
      attachments: [{ filename: 'note.txt', content: 'attached' }],
    });
    transport.close();

    const reader = new MailReader(endpoints.mailApiUrl);
    const [delivered] = await waitFor(
      async () => {
        const found = await reader.to(recipient);
        return found.length > 0 ? found : undefined;
      },
      { description: `mail to ${recipient}` },
    );
    expect(delivered?.subject).toBe('Smoke test');
    expect(delivered?.text.trim()).toBe('The stack delivers mail.');
    expect(delivered?.attachments.map((a) => a.fileName)).toEqual(['note.txt']);
  });
});

import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@switchboard/service';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailingConfig } from '../config.ts';
import type { OutgoingMail } from './outgoing-mail.repository.ts';

/** The domain of Message-IDs: the sender's, so they are unique to this sender. */
function messageIdDomain(mailFrom: string): string {
  return /@([^\s<>@]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'switchboard.invalid';
}

/**
 * The SMTP server as mailing uses it: one pool of connections to SMTP_URL for every email. Every
 * failure comes back to the dispatcher, which retries with its own backoff and keeps count, so the
 * pool re-queues nothing itself.
 */
@Injectable()
export class MailTransport {
  private readonly transporter: Transporter;
  private readonly domain: string;

  constructor(@Inject(CONFIG) config: MailingConfig) {
    this.domain = messageIdDomain(config.mailFrom);
    const { auth, caFile, requireTls } = config.smtp;
    this.transporter = nodemailer.createTransport(
      {
        pool: true,
        url: config.smtpUrl,
        // smtp:// upgrades with STARTTLS whenever the server offers it (nodemailer's default);
        // requireTLS refuses to go on without. The server's certificate is always checked.
        requireTLS: requireTls,
        ...(auth && { auth: { user: auth.user, pass: auth.pass } }),
        tls: { rejectUnauthorized: true, ...(caFile && { ca: [readFileSync(caFile, 'utf8')] }) },
        maxConnections: 5,
        maxRequeues: 0,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 60_000,
        // Content is never read from files or URLs: everything a message holds is in the row.
        disableFileAccess: true,
        disableUrlAccess: true,
      },
      { from: config.mailFrom },
    );
  }

  /**
   * Hands one email to the server. Its Message-ID follows from the row's id, so a message sent
   * again — after a crash between the server's answer and the commit — has the same Message-ID,
   * and mail systems that deduplicate by it show it once.
   */
  async send(
    mail: OutgoingMail,
    attachment:
      { readonly fileName: string; readonly content: Buffer; readonly contentType: string } | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    await this.transporter.sendMail({
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: `<${mail.id}@${this.domain}>`,
      attachments: attachment
        ? [
            {
              filename: attachment.fileName,
              content: attachment.content,
              contentType: attachment.contentType,
            },
          ]
        : [],
      signal,
    });
  }

  /** Closes the pool's connections; `force` also ends deliveries in progress. */
  close(force = false): void {
    this.transporter.close({ force });
  }
}

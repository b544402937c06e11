import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import type { AttachmentRef, MailContent } from './messages.ts';

/** An email's attachment: by reference (fetched when sent), or the document itself (rows queued before). */
export type Attachment = AttachmentRef | { readonly fileName: string; readonly content: Buffer };

/** The kinds of email mailing sends (letters are printed, not emailed). */
export type MailKind = 'BOOKING_CONFIRMATION' | 'INVOICE' | 'CAMPAIGN_NOTICE';

/** An email to queue. */
export interface NewMail {
  /** One email per key, however often it is asked for (`booking:<reservationId>`, …). */
  readonly dedupeKey: string;
  readonly kind: MailKind;
  readonly customerId: string;
  readonly relatedId: string;
  readonly campaignId?: string;
  /** The contact's address; undefined while the contact is not known (the email waits for it). */
  readonly to: string | undefined;
  readonly content: MailContent;
  /** The subject mailing.message-sent may carry; null when it may hold personal data. */
  readonly eventSubject: string | null;
  /** W3C trace context of what asked for the email. */
  readonly trace: Readonly<Record<string, string>>;
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** A queued email, addressed and due. */
export interface OutgoingMail {
  readonly id: string;
  readonly kind: MailKind;
  readonly customerId: string;
  readonly relatedId: string;
  readonly campaignId: string | null;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly attachment: Attachment | undefined;
  readonly eventSubject: string | null;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly trace: Readonly<Record<string, string>>;
  readonly correlationId: string;
  readonly causationId: string | null;
}

interface MailRow {
  id: string;
  kind: MailKind;
  customer_id: string;
  related_id: string;
  campaign_id: string | null;
  to_address: string | null;
  subject: string;
  body: string;
  attachment_name: string | null;
  attachment: Uint8Array | null;
  attachment_url: string | null;
  attachment_sha256: string | null;
  attachment_type: string | null;
  event_subject: string | null;
  attempts: number;
  trace_context: Record<string, string> | string;
  correlation_id: string;
  causation_id: string | null;
}

function attachmentOf(row: MailRow): Attachment | undefined {
  if (row.attachment_name === null) return undefined;
  if (row.attachment_url !== null) {
    return {
      fileName: row.attachment_name,
      url: row.attachment_url,
      sha256: row.attachment_sha256,
      mediaType: row.attachment_type ?? 'application/octet-stream',
    };
  }
  return row.attachment === null
    ? undefined
    : { fileName: row.attachment_name, content: Buffer.from(row.attachment) };
}

function toMail(row: MailRow): OutgoingMail {
  return {
    id: row.id,
    kind: row.kind,
    customerId: row.customer_id,
    relatedId: row.related_id,
    campaignId: row.campaign_id,
    to: row.to_address ?? '',
    subject: row.subject,
    text: row.body,
    attachment: attachmentOf(row),
    eventSubject: row.event_subject,
    attempts: row.attempts,
    trace:
      typeof row.trace_context === 'string'
        ? (JSON.parse(row.trace_context) as Record<string, string>)
        : row.trace_context,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
  };
}

/**
 * mailing's own mail outbox: each email is a row that the dispatcher sends, retries and finally
 * marks SENT (or FAILED, when the server refused it for good). Emails for a contact not known
 * yet wait (WAITING_FOR_CONTACT) until crm's event about it arrives.
 */
@Injectable()
export class OutgoingMailRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /** Queues an email; false (and nothing changes) when one with its dedupe key exists already. */
  async insert(tx: SqlExecutor, mail: NewMail): Promise<boolean> {
    return (await this.insertMany(tx, [mail])).has(mail.dedupeKey);
  }

  /**
   * Queues emails in one statement; returns the dedupe keys of those queued now (an email whose
   * key exists already, or repeats one before it, changes nothing).
   */
  async insertMany(tx: SqlExecutor, mails: readonly NewMail[]): Promise<Set<string>> {
    if (mails.length === 0) return new Set();
    const column = <V>(value: (mail: NewMail) => V) => mails.map(value);
    const { rows } = await tx.query<{ dedupe_key: string }>(
      `INSERT INTO outgoing_mail (id, dedupe_key, kind, customer_id, related_id, campaign_id, to_address,
         subject, body, attachment_name, attachment_url, attachment_sha256, attachment_type, event_subject,
         status, trace_context, correlation_id, causation_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::uuid[], $7::text[],
         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
         $16::jsonb[], $17::text[], $18::text[])
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key`,
      [
        column(() => randomUUID()),
        column((mail) => mail.dedupeKey),
        column((mail) => mail.kind),
        column((mail) => mail.customerId),
        column((mail) => mail.relatedId),
        column((mail) => mail.campaignId ?? null),
        column((mail) => mail.to ?? null),
        column((mail) => mail.content.subject),
        column((mail) => mail.content.text),
        column((mail) => mail.content.attachment?.fileName ?? null),
        column((mail) => mail.content.attachment?.url ?? null),
        column((mail) => mail.content.attachment?.sha256 ?? null),
        column((mail) => mail.content.attachment?.mediaType ?? null),
        column((mail) => mail.eventSubject),
        column((mail) => (mail.to === undefined ? 'WAITING_FOR_CONTACT' : 'PENDING')),
        column((mail) => JSON.stringify(mail.trace)),
        column((mail) => mail.correlationId),
        column((mail) => mail.causationId),
      ],
    );
    return new Set(rows.map((row) => row.dedupe_key));
  }

  /**
   * The contact's (new) address reached mailing: its waiting emails become due, and those not sent
   * yet go to the new address. Returns how many emails were waiting for it.
   */
  async addressKnown(tx: SqlExecutor, customerId: string, email: string): Promise<number> {
    const { rows: released } = await tx.query(
      `UPDATE outgoing_mail SET to_address = $2, status = 'PENDING', next_attempt_at = now()
       WHERE customer_id = $1 AND status = 'WAITING_FOR_CONTACT' RETURNING id`,
      [customerId, email],
    );
    await tx.query(`UPDATE outgoing_mail SET to_address = $2 WHERE customer_id = $1 AND status = 'PENDING'`, [
      customerId,
      email,
    ]);
    return released.length;
  }

  /** Up to `limit` emails due for an attempt, the longest due first. */
  async due(session: SqlExecutor, limit: number): Promise<OutgoingMail[]> {
    const { rows } = await session.query<MailRow>(
      `SELECT * FROM outgoing_mail WHERE status = 'PENDING' AND next_attempt_at <= now()
       ORDER BY next_attempt_at LIMIT $1`,
      [limit],
    );
    return rows.map(toMail);
  }

  /** Marks emails sent, in one statement: when, by id, for those still pending. */
  async markSent(tx: SqlExecutor, ids: readonly string[]): Promise<Map<string, Date>> {
    const { rows } = await tx.query<{ id: string; sent_at: Date }>(
      // A PDF queued inside the row (before attachments travelled by reference) is billing's
      // document: mailing keeps no copy once it is sent.
      `UPDATE outgoing_mail SET status = 'SENT', sent_at = now(), attempts = attempts + 1, last_error = NULL,
         attachment = NULL
       WHERE id = ANY($1::uuid[]) AND status = 'PENDING' RETURNING id, sent_at`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, new Date(row.sent_at)]));
  }

  /** Records a failed attempt; the email is tried again after `delayMs`. */
  async retryLater(id: string, error: string, delayMs: number): Promise<void> {
    await this.db.query(
      `UPDATE outgoing_mail SET attempts = attempts + 1, last_error = $2,
         next_attempt_at = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND status = 'PENDING'`,
      [id, error, delayMs],
    );
  }

  /** Gives an email up: the server refused it for good. False when it was no longer pending. */
  async markFailed(tx: SqlExecutor, id: string, error: string): Promise<boolean> {
    const { rows } = await tx.query(
      `UPDATE outgoing_mail SET status = 'FAILED', attempts = attempts + 1, last_error = $2
       WHERE id = $1 AND status = 'PENDING' RETURNING id`,
      [id, error],
    );
    return rows.length > 0;
  }
}

import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Context, context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BUSINESS_KEYS, type MessageKind } from '@switchboard/contracts';
import { Outbox } from '@switchboard/messaging';
import { backoffDelayMs, ExclusiveLoop, type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { CONFIG, DATABASE, LOGGER, type Logger, newMeta } from '@switchboard/service';
import { CampaignProgress } from '../campaigns/campaign-progress.ts';
import type { MailingConfig } from '../config.ts';
import { inStoredTrace } from '@switchboard/observability';
import { AttachmentFetcher } from './attachment-fetcher.ts';
import { MailTransport } from './mail-transport.ts';
import { type MailKind, type OutgoingMail, OutgoingMailRepository } from './outgoing-mail.repository.ts';
import { describeSendFailure, type SendFailure } from './send-failure.ts';

/** The business key an email's relatedId is, by kind: its flow is found by it. */
const RELATED_KEY: Readonly<Record<MailKind, string>> = {
  BOOKING_CONFIRMATION: BUSINESS_KEYS.order.attribute,
  INVOICE: BUSINESS_KEYS.invoice.attribute,
  CAMPAIGN_NOTICE: BUSINESS_KEYS.campaign.attribute,
};

/**
 * Emails taken per pass: handed to the SMTP pool at once (it sends over its five connections), then
 * those sent are recorded together, in one transaction.
 */
const BATCH = 50;
/** How often due emails are looked for when no commit woke the dispatcher. */
const POLL_MS = 200;
/** After an attempt that could not be recorded (the database failing): a pause, not a hot loop. */
const UNRECORDED_PAUSE_MS = 5_000;
/** Advisory lock key of the dispatcher (one per database sends; see ExclusiveLoop). */
const DISPATCHER_LOCK = 7_243_101;
/** How long shutdown waits for deliveries in progress before ending them. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Wait after an email's first failed attempt; doubled at each further one, with jitter. */
const FIRST_RETRY_DELAY_MS = 1_000;

const SPAN_NAMES: Readonly<Record<MailKind, string>> = {
  BOOKING_CONFIRMATION: 'send booking-confirmation',
  INVOICE: 'send invoice',
  CAMPAIGN_NOTICE: 'send campaign-notice',
};

/**
 * Sends the emails of the outgoing_mail table: polls for due ones (and is woken by the commits that
 * queue them), hands each to the SMTP server in a span continuing the trace that asked for it,
 * then — in one transaction — marks it SENT and publishes `mailing.message-sent` (and advances a
 * notice's campaign recipient). A failed attempt is retried with exponential backoff and jitter,
 * without end unless the server refused the message for good. One process per database sends
 * (ExclusiveLoop); a process that dies mid-send leaves the email due, and the next one sends it
 * again with the same Message-ID.
 */
@Injectable()
export class MailDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ExclusiveLoop;
  private readonly aborts = new AbortController();

  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    @Inject(CONFIG) private readonly config: MailingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly mails: OutgoingMailRepository,
    private readonly transport: MailTransport,
    private readonly attachments: AttachmentFetcher,
    private readonly outbox: Outbox,
    private readonly campaigns: CampaignProgress,
  ) {
    this.loop = new ExclusiveLoop(db, {
      lockKey: DISPATCHER_LOCK,
      onError: (error) =>
        this.logger.error({ event: 'mailing.dispatcher.failed', err: error }, 'mailing.dispatcher.failed'),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start((session) => this.pass(session));
  }

  /** Stops before the database closes: finishes the emails in flight, then closes the SMTP pool. */
  async beforeApplicationShutdown(): Promise<void> {
    const grace = setTimeout(() => this.aborts.abort(), SHUTDOWN_GRACE_MS);
    try {
      await this.loop.stop();
    } finally {
      clearTimeout(grace);
      this.transport.close(true);
    }
  }

  /** Looks for due emails now (after a commit that queued or released some). */
  wake(): void {
    this.loop.wake();
  }

  /** Sends the due emails, up to a batch, at once; each settles before the next pass or shutdown. */
  private async pass(session: SqlExecutor): Promise<void> {
    const due = await this.mails.due(session, BATCH);
    const results = await Promise.allSettled(due.map((mail) => this.send(mail)));
    const sent = results.flatMap((result) =>
      result.status === 'fulfilled' && result.value ? [result.value] : [],
    );
    const unrecorded = results.flatMap((result, i) =>
      result.status === 'rejected' ? [{ mail: due[i], error: result.reason as unknown }] : [],
    );
    try {
      await this.recordSent(sent);
    } catch (error) {
      unrecorded.push(...sent.map(({ mail }) => ({ mail, error })));
    }
    for (const { mail, error } of unrecorded) {
      // Still due: tried again after the pause (sent again, if only the record failed).
      this.logger.error(
        { event: 'mailing.mail.unrecorded', messageId: mail?.id, err: error },
        'mailing.mail.unrecorded',
      );
    }
    if (unrecorded.length > 0) await this.loop.sleeper.sleep(UNRECORDED_PAUSE_MS);
    else if (due.length < BATCH) await this.loop.sleeper.sleep(POLL_MS, { wakeable: true });
  }

  /**
   * Hands one email to the SMTP server in its span; answers it, with that span's context, when
   * the server took it (to be recorded as sent), nothing when the attempt failed and was recorded.
   */
  private send(mail: OutgoingMail): Promise<{ mail: OutgoingMail; trace: Context } | undefined> {
    const attributes = {
      'mailing.message.id': mail.id,
      'mailing.message.kind': mail.kind,
      'mailing.message.attempt': mail.attempts + 1,
      [BUSINESS_KEYS.customer.attribute]: mail.customerId,
      [RELATED_KEY[mail.kind]]: mail.relatedId,
    };
    return inStoredTrace(
      SPAN_NAMES[mail.kind],
      mail.trace,
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        let attachment;
        try {
          attachment = await this.attachmentOf(mail);
        } catch (error) {
          // The email waits for its attachment: tried again, with the same backoff as a refused send.
          const reason = `attachment not fetched: ${(error as Error).message}`.slice(0, 500);
          await this.failed(mail, { reason, permanent: false }, span);
          return undefined;
        }
        try {
          await this.transport.send(mail, attachment, this.aborts.signal);
        } catch (error) {
          await this.failed(mail, describeSendFailure(error), span);
          return undefined;
        }
        return { mail, trace: context.active() };
      },
    );
  }

  /** The email's attachment as it is sent: fetched now when the row holds only where it is. */
  private async attachmentOf(
    mail: OutgoingMail,
  ): Promise<{ fileName: string; content: Buffer; contentType: string } | undefined> {
    const attachment = mail.attachment;
    if (!attachment) return undefined;
    if ('content' in attachment)
      return { fileName: attachment.fileName, content: attachment.content, contentType: 'application/pdf' };
    const content = await this.attachments.fetch(attachment, this.aborts.signal);
    return { fileName: attachment.fileName, content, contentType: attachment.mediaType };
  }

  /**
   * Marks emails the server took as SENT and publishes `mailing.message-sent` for each (in its send
   * span's trace), advancing a notice's campaign recipient, in one transaction.
   */
  private async recordSent(sent: readonly { mail: OutgoingMail; trace: Context }[]): Promise<void> {
    if (sent.length === 0) return;
    const published = await this.db.transaction(async (tx) => {
      const sentAt = await this.mails.markSent(
        tx,
        sent.map(({ mail }) => mail.id),
      );
      const recorded = sent.filter(({ mail }) => sentAt.has(mail.id));
      await this.outbox.enqueueMany(
        tx,
        recorded.map(({ mail, trace }) => ({
          topic: 'mailing.message-sent.v1' as const,
          key: mail.id,
          event: {
            meta: newMeta('mailing', { correlationId: mail.correlationId, causationId: mail.causationId }),
            messageId: mail.id,
            customerId: mail.customerId,
            kind: mail.kind satisfies MessageKind,
            channel: 'EMAIL' as const,
            subject: mail.eventSubject,
            relatedId: mail.relatedId,
            sentAt: sentAt.get(mail.id)?.getTime() ?? Date.now(),
          },
          trace,
        })),
      );
      for (const { mail } of recorded) {
        if (mail.kind === 'CAMPAIGN_NOTICE' && mail.campaignId) {
          await this.campaigns.move(tx, mail.campaignId, mail.customerId, ['PRINTED'], 'NOTICE_SENT');
        }
      }
      return recorded;
    });
    for (const { mail } of published) {
      this.logger.info(
        { event: 'mailing.mail.sent', messageId: mail.id, kind: mail.kind, attempts: mail.attempts + 1 },
        'mailing.mail.sent',
      );
    }
  }

  private async failed(mail: OutgoingMail, failure: SendFailure, span: Span): Promise<void> {
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.reason });
    const attempt = mail.attempts + 1;
    const fields = { messageId: mail.id, kind: mail.kind, attempt, reason: failure.reason };
    if (failure.permanent) {
      await this.db.transaction(async (tx) => {
        if (!(await this.mails.markFailed(tx, mail.id, failure.reason))) return;
        if (mail.kind === 'CAMPAIGN_NOTICE' && mail.campaignId) {
          await this.campaigns.move(
            tx,
            mail.campaignId,
            mail.customerId,
            ['PRINTED'],
            'FAILED',
            failure.reason,
          );
        }
      });
      this.logger.error({ event: 'mailing.mail.rejected', ...fields }, 'mailing.mail.rejected');
      return;
    }
    const delayMs = backoffDelayMs(attempt, {
      initialMs: FIRST_RETRY_DELAY_MS,
      maxMs: this.config.mailRetryMaxDelayMs,
      jitter: 'equal',
    });
    await this.mails.retryLater(mail.id, failure.reason, delayMs);
    this.logger.warn({ event: 'mailing.mail.retrying', ...fields, delayMs }, 'mailing.mail.retrying');
  }
}

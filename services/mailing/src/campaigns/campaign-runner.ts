import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BUSINESS_KEYS } from '@switchboard/contracts';
import { Outbox } from '@switchboard/messaging';
import {
  type Backoff,
  backoffDelayMs,
  ExclusiveLoop,
  type SqlDatabase,
  type SqlExecutor,
} from '@switchboard/database';
import { CONFIG, DATABASE, LOGGER, type Logger, newMeta } from '@switchboard/service';
import type { MailingConfig } from '../config.ts';
import { ContactsRepository } from '../contacts/contacts.repository.ts';
import { MailDispatcher } from '../mail/mail-dispatcher.ts';
import { OutgoingMailRepository } from '../mail/outgoing-mail.repository.ts';
import { withoutAddresses } from '../mail/send-failure.ts';
import { PRINTER, type Printer } from '../printing/printer.ts';
import { captureTraceContext, inStoredTrace } from '@switchboard/observability';
import { CampaignRenderer, type RecipientContent } from './campaign-content.ts';
import { CampaignProgress } from './campaign-progress.ts';
import { CampaignsRepository, type DueRecipient } from './campaigns.repository.ts';
import { renderLetterPdf } from './letter-pdf.ts';

/** Attempts at a letter (rendering and printing) before its recipient FAILED. */
export const MAX_LETTER_ATTEMPTS = 5;
/** Waits between two attempts at a letter: from a second, doubling, at most a minute. */
const LETTER_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000, jitter: 'equal' };
/** How often running campaigns are looked at when no new campaign woke the runner. */
const POLL_MS = 1_000;
/** Advisory lock key of the runner (one per database prints; see ExclusiveLoop). */
const RUNNER_LOCK = 7_243_102;

/**
 * Works through the running campaigns, one recipient at a time, CAMPAIGN_PACE_MS apart: a
 * recipient without marketing consent (now, or when the campaign was created) is skipped;
 * otherwise its letter is rendered to PDF and printed, and then — in one transaction — the
 * recipient is PRINTED, `mailing.message-sent` (PRINT) is published and its notice email is queued
 * for the dispatcher. One process per database prints (ExclusiveLoop). The state lives in the
 * database, so a restarted service resumes where it stopped; a crash between printing and that
 * commit prints the letter again: the spool replaces the file, an IPP printer prints it twice.
 */
@Injectable()
export class CampaignRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ExclusiveLoop;
  private renderer: { readonly campaignId: string; readonly renderer: CampaignRenderer } | undefined;

  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    @Inject(CONFIG) private readonly config: MailingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PRINTER) private readonly printer: Printer,
    private readonly campaigns: CampaignsRepository,
    private readonly progress: CampaignProgress,
    private readonly contacts: ContactsRepository,
    private readonly mails: OutgoingMailRepository,
    private readonly dispatcher: MailDispatcher,
    private readonly outbox: Outbox,
  ) {
    this.loop = new ExclusiveLoop(db, {
      lockKey: RUNNER_LOCK,
      onError: (error) =>
        this.logger.error(
          { event: 'mailing.campaign.runner.failed', err: error },
          'mailing.campaign.runner.failed',
        ),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start((session) => this.pass(session));
  }

  /** Stops before the database closes, after the letter in progress is printed and recorded. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Looks for work now (a campaign was just created). */
  wake(): void {
    this.loop.wake();
  }

  /** The next due recipient, then the pause between two recipients. */
  private async pass(session: SqlExecutor): Promise<void> {
    const recipient = await this.campaigns.nextDue(session);
    if (!recipient) {
      await this.loop.sleeper.sleep(POLL_MS, { wakeable: true });
      return;
    }
    await this.process(recipient);
    if (this.config.campaignPaceMs > 0) await this.loop.sleeper.sleep(this.config.campaignPaceMs);
  }

  private process(recipient: DueRecipient): Promise<void> {
    const attributes = {
      [BUSINESS_KEYS.campaign.attribute]: recipient.campaignId,
      [BUSINESS_KEYS.customer.attribute]: recipient.customerId,
      'mailing.message.id': recipient.letterId,
      'mailing.message.kind': 'CAMPAIGN_LETTER',
      'mailing.message.attempt': recipient.attempts + 1,
      'mailing.printer.kind': this.printer.kind,
    };
    return inStoredTrace(
      'print letter',
      recipient.trace,
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        const { campaignId, customerId } = recipient;
        // Consent counts as it was when the campaign was created and as it is now: a customer who
        // withdrew it meanwhile gets nothing.
        const current = await this.contacts.get(customerId);
        if (!(current ?? recipient.contact).marketingConsent || !recipient.contact.marketingConsent) {
          await this.db.transaction((tx) =>
            this.progress.move(tx, campaignId, customerId, ['PENDING'], 'SKIPPED_NO_CONSENT'),
          );
          span.setAttribute('mailing.recipient.outcome', 'skipped-no-consent');
          return;
        }
        let content: RecipientContent;
        try {
          content = this.rendererOf(recipient).render(recipient.contact);
          const pdf = await renderLetterPdf({
            address: { name: recipient.contact.name, ...recipient.contact.address },
            body: content.letter,
            title: recipient.campaignName,
          });
          await this.printer.print({ campaignId, customerId, pdf });
        } catch (error) {
          await this.letterFailed(recipient, error, span);
          return;
        }
        const printedAt = Date.now();
        const notice = content.notice;
        await this.db.transaction(async (tx) => {
          if (!(await this.campaigns.lock(tx, campaignId))) return;
          if (!(await this.campaigns.transition(tx, campaignId, customerId, ['PENDING'], 'PRINTED'))) return;
          await this.outbox.enqueue(tx, 'mailing.message-sent.v1', recipient.letterId, {
            meta: newMeta('mailing', { correlationId: campaignId }),
            messageId: recipient.letterId,
            customerId,
            kind: 'CAMPAIGN_LETTER',
            channel: 'PRINT',
            subject: null,
            relatedId: campaignId,
            sentAt: printedAt,
          });
          // The notice's send span will follow from this one.
          const trace = captureTraceContext();
          await this.mails.insert(tx, {
            dedupeKey: `notice:${campaignId}:${customerId}`,
            kind: 'CAMPAIGN_NOTICE',
            customerId,
            relatedId: campaignId,
            campaignId,
            to: current?.email ?? recipient.contact.email,
            content: notice,
            eventSubject: content.eventSubject,
            trace,
            correlationId: campaignId,
            causationId: null,
          });
          tx.afterCommit?.(() => this.dispatcher.wake());
        });
        span.setAttribute('mailing.recipient.outcome', 'printed');
        this.logger.info(
          { event: 'mailing.campaign.letter.printed', campaignId, customerId, messageId: recipient.letterId },
          'mailing.campaign.letter.printed',
        );
      },
    );
  }

  /** A letter could not be rendered or printed: tried again later, or, after the last attempt, FAILED. */
  private async letterFailed(recipient: DueRecipient, error: unknown, span: Span): Promise<void> {
    const { campaignId, customerId } = recipient;
    const reason = withoutAddresses(
      error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    )
      .replace(/\s+/g, ' ')
      .slice(0, 500);
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    const attempt = recipient.attempts + 1;
    const fields = { campaignId, customerId, messageId: recipient.letterId, attempt, reason };
    if (attempt >= MAX_LETTER_ATTEMPTS) {
      await this.db.transaction((tx) =>
        this.progress.move(tx, campaignId, customerId, ['PENDING'], 'FAILED', reason),
      );
      this.logger.error(
        { event: 'mailing.campaign.letter.failed', ...fields },
        'mailing.campaign.letter.failed',
      );
      return;
    }
    const delayMs = backoffDelayMs(attempt, LETTER_BACKOFF);
    await this.campaigns.retryLater(campaignId, customerId, reason, delayMs);
    this.logger.warn(
      { event: 'mailing.campaign.letter.retrying', ...fields, delayMs },
      'mailing.campaign.letter.retrying',
    );
  }

  /** The campaign's compiled templates, kept while the runner works on the same campaign. */
  private rendererOf(recipient: DueRecipient): CampaignRenderer {
    if (this.renderer?.campaignId !== recipient.campaignId) {
      this.renderer = {
        campaignId: recipient.campaignId,
        renderer: new CampaignRenderer({
          name: recipient.campaignName,
          letterTemplate: recipient.letterTemplate,
          noticeSubject: recipient.noticeSubject,
          noticeTemplate: recipient.noticeTemplate,
          expectedDeliveryDate: recipient.expectedDeliveryDate,
        }),
      };
    }
    return this.renderer.renderer;
  }
}

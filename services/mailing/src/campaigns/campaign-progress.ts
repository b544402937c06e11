import { Injectable } from '@nestjs/common';
import { Outbox } from '@switchboard/messaging';
import { type SqlExecutor } from '@switchboard/database';
import { newMeta } from '@switchboard/service';
import { CampaignsRepository } from './campaigns.repository.ts';
import type { RecipientState } from './dto/campaign.dto.ts';

/**
 * Moves a campaign's recipients towards their end (NOTICE_SENT, SKIPPED_NO_CONSENT or FAILED),
 * each step in the caller's transaction, and completes the campaign — publishing
 * `mailing.campaign-completed` — in the transaction that ends its last recipient.
 */
@Injectable()
export class CampaignProgress {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Moves one recipient from one of `from` to `to` under the campaign's lock; false (nothing
   * changes) when it was elsewhere already. Completes the campaign when that was its last one.
   */
  async move(
    tx: SqlExecutor,
    campaignId: string,
    customerId: string,
    from: readonly RecipientState[],
    to: RecipientState,
    error: string | null = null,
  ): Promise<boolean> {
    if (!(await this.campaigns.lock(tx, campaignId))) return false;
    if (!(await this.campaigns.transition(tx, campaignId, customerId, from, to, error))) return false;
    await this.completeIfDone(tx, campaignId);
    return true;
  }

  /** Completes the campaign, under its lock, if no recipient is left to process. */
  async completeIfDone(tx: SqlExecutor, campaignId: string): Promise<void> {
    const campaign = await this.campaigns.lock(tx, campaignId);
    if (campaign?.status !== 'RUNNING') return;
    const { open, ...counts } = await this.campaigns.counts(tx, campaignId);
    if (open > 0) return;
    const completedAt = await this.campaigns.complete(tx, campaignId);
    if (!completedAt) return;
    await this.outbox.enqueue(tx, 'mailing.campaign-completed.v1', campaignId, {
      meta: newMeta('mailing', { correlationId: campaignId }),
      campaignId,
      name: campaign.name,
      lettersPrinted: counts.lettersPrinted,
      noticesSent: counts.noticesSent,
      skippedNoConsent: counts.skippedNoConsent,
      failed: counts.failed,
      completedAt: completedAt.getTime(),
    });
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { requestHash } from '@switchboard/http';
import { injectTraceContext } from '@switchboard/messaging';
import { type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { CampaignProgress } from './campaign-progress.ts';
import { CampaignRunner } from './campaign-runner.ts';
import {
  CampaignNotFoundError,
  IdempotencyKeyReusedError,
  InvalidTemplateError,
} from './campaigns.errors.ts';
import { CampaignsRepository } from './campaigns.repository.ts';
import type { Campaign, CreateCampaign } from './dto/campaign.dto.ts';
import { checkTemplate } from './templates.ts';

/**
 * Creates a campaign: checks its templates (a bad one fails the request before anything is
 * printed or sent), then — in one transaction — stores it RUNNING with the contacts matching its
 * audience as its recipients, and wakes the runner. The Idempotency-Key makes a retried request
 * answer the campaign it created the first time instead of starting a second one.
 */
@Injectable()
export class CreateCampaignUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    private readonly campaigns: CampaignsRepository,
    private readonly progress: CampaignProgress,
    private readonly runner: CampaignRunner,
  ) {}

  async execute(
    idempotencyKey: string,
    input: CreateCampaign,
  ): Promise<{ campaign: Campaign; created: boolean }> {
    const problems = [
      ...checkTemplate('letter.template', input.letter.template),
      ...checkTemplate('notice.subject', input.notice.subject),
      ...checkTemplate('notice.template', input.notice.template),
    ];
    if (problems.length > 0) throw new InvalidTemplateError(problems);
    const hash = requestHash(input);
    // Letters are printed in the trace of the request that created the campaign.
    const trace: Record<string, string> = {};
    injectTraceContext(trace);
    return this.db
      .transaction(async (tx) => {
        const earlier = await this.campaigns.byIdempotencyKey(tx, idempotencyKey);
        if (earlier) return { campaign: await this.replay(tx, earlier, hash), created: false };
        const campaignId = randomUUID();
        await this.campaigns.insert(tx, campaignId, input, trace);
        if (!(await this.campaigns.claimIdempotencyKey(tx, idempotencyKey, hash, campaignId))) {
          // A concurrent request with the same key won; this transaction rolls back its campaign.
          throw new ConcurrentRetry();
        }
        const recipients = await this.campaigns.snapshotAudience(tx, campaignId, input);
        // An audience of nobody is done at once.
        if (recipients === 0) await this.progress.completeIfDone(tx, campaignId);
        else tx.afterCommit?.(() => this.runner.wake());
        const campaign = await this.campaigns.get(campaignId, tx);
        if (!campaign) throw new CampaignNotFoundError(campaignId);
        return { campaign, created: true };
      })
      .catch(async (error: unknown) => {
        if (!(error instanceof ConcurrentRetry)) throw error;
        const earlier = await this.campaigns.byIdempotencyKey(this.db, idempotencyKey);
        if (!earlier) throw error;
        return { campaign: await this.replay(this.db, earlier, hash), created: false };
      });
  }

  private async replay(
    tx: SqlExecutor,
    earlier: { campaignId: string; requestHash: string },
    hash: string,
  ): Promise<Campaign> {
    if (earlier.requestHash !== hash) throw new IdempotencyKeyReusedError();
    // Inside the transaction: PGlite has one connection, so a query beside it would wait forever.
    const campaign = await this.campaigns.get(earlier.campaignId, tx);
    if (!campaign) throw new CampaignNotFoundError(earlier.campaignId);
    return campaign;
  }
}

/** Another request with the same Idempotency-Key committed first. */
class ConcurrentRetry extends Error {}

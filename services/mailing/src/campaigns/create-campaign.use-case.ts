import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type IdempotentOutcome, runIdempotentCommand } from '@switchboard/http';
import { captureTraceContext } from '@switchboard/observability';
import { type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { CampaignProgress } from './campaign-progress.ts';
import { CampaignRunner } from './campaign-runner.ts';
import { CampaignNotFoundError, InvalidTemplateError } from './campaigns.errors.ts';
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

  async execute(idempotencyKey: string, input: CreateCampaign): Promise<IdempotentOutcome<Campaign>> {
    const problems = [
      ...checkTemplate('letter.template', input.letter.template),
      ...checkTemplate('notice.subject', input.notice.subject),
      ...checkTemplate('notice.template', input.notice.template),
    ];
    if (problems.length > 0) throw new InvalidTemplateError(problems);
    // Letters are printed in the trace of the request that created the campaign.
    const trace = captureTraceContext();
    return runIdempotentCommand(this.db, {
      command: 'mailing.create-campaign',
      creates: 'campaign',
      key: idempotencyKey,
      request: input,
      run: async (tx) => {
        const campaignId = randomUUID();
        await this.campaigns.insert(tx, campaignId, input, trace);
        const recipients = await this.campaigns.snapshotAudience(tx, campaignId, input);
        // An audience of nobody is done at once.
        if (recipients === 0) await this.progress.completeIfDone(tx, campaignId);
        else tx.afterCommit?.(() => this.runner.wake());
        return { result: await this.stored(tx, campaignId), resourceId: campaignId };
      },
      replay: (tx, campaignId) => this.stored(tx, campaignId),
    });
  }

  private async stored(tx: SqlExecutor, campaignId: string): Promise<Campaign> {
    const campaign = await this.campaigns.get(campaignId, tx);
    if (!campaign) throw new CampaignNotFoundError(campaignId);
    return campaign;
  }
}

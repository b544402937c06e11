import { DomainError } from '@switchboard/domain';
import { TEMPLATE_FIELDS, type TemplateProblem } from './templates.ts';

export class CampaignNotFoundError extends DomainError {
  readonly code = 'CAMPAIGN_NOT_FOUND';
  constructor(campaignId: string) {
    super(`no campaign ${campaignId}`);
  }
}

/**
 * A template of a new campaign cannot be used: it does not parse, or it uses a field contacts do
 * not have, or a helper or partial mailing does not offer. Nothing was printed or sent.
 */
export class InvalidTemplateError extends DomainError {
  readonly code = 'INVALID_TEMPLATE';
  override readonly details: {
    readonly errors: readonly TemplateProblem[];
    readonly allowedFields: readonly string[];
  };

  constructor(readonly problems: readonly TemplateProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.details = { errors: problems, allowedFields: TEMPLATE_FIELDS };
  }
}

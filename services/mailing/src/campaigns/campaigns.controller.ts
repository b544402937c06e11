import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  answerIdempotent,
  ApiProblems,
  ApiZodBody,
  ApiZodQuery,
  ApiZodResponse,
  IdempotencyKey,
  IdempotentCommand,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { type Page } from '@switchboard/domain';
import type { Response } from 'express';
import { z } from 'zod';
import { CampaignNotFoundError } from './campaigns.errors.ts';
import { CampaignsRepository } from './campaigns.repository.ts';
import { CreateCampaignUseCase } from './create-campaign.use-case.ts';
import {
  type Campaign,
  campaignPageSchema,
  campaignSchema,
  type CampaignSummary,
  type CreateCampaign,
  createCampaignSchema,
  type ListCampaignsQuery,
  listCampaignsQuerySchema,
} from './dto/campaign.dto.ts';

const BAD_REQUEST = { status: 400, description: 'invalid request; `errors` names each bad field' };
const NOT_FOUND = { status: 404, description: 'no such campaign' };

/** Mass mailings: a letter to the printer and a notice email for each contact of an audience. */
@ApiTags('campaigns')
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly create: CreateCampaignUseCase,
    private readonly campaigns: CampaignsRepository,
  ) {}

  @Post()
  @RequireScope('mailing.campaigns:write')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Start a campaign: each contact of the audience with marketing consent gets the letter (printed) and the notice (email)',
  })
  @IdempotentCommand('campaign', 202)
  @ApiZodBody(createCampaignSchema)
  @ApiZodResponse(202, campaignSchema, 'the campaign, RUNNING (or as it is now, on a retry)')
  @ApiProblems(BAD_REQUEST, {
    status: 422,
    description:
      'a template does not parse or uses a field contacts do not have (`errors` names the template and the field)',
  })
  async start(
    @IdempotencyKey('campaign') key: string,
    @Body(new ZodPipe(createCampaignSchema)) body: CreateCampaign,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Campaign> {
    const outcome = await this.create.execute(key, body);
    return answerIdempotent(response, outcome, (campaign) => `/v1/campaigns/${campaign.id}`);
  }

  @Get()
  @RequireScope('mailing.campaigns:read')
  @ApiOperation({ summary: 'List campaigns in creation order, with their counts' })
  @ApiZodQuery(listCampaignsQuerySchema)
  @ApiZodResponse(200, campaignPageSchema, 'a page of campaigns; pass nextCursor as cursor for the next')
  @ApiProblems(BAD_REQUEST)
  list(
    @Query(new ZodPipe(listCampaignsQuerySchema)) query: ListCampaignsQuery,
  ): Promise<Page<CampaignSummary>> {
    return this.campaigns.list(query);
  }

  @Get(':id')
  @RequireScope('mailing.campaigns:read')
  @ApiOperation({
    summary: 'One campaign: RUNNING or COMPLETED, its counts and where each recipient is',
  })
  @ApiZodResponse(200, campaignSchema, 'the campaign')
  @ApiProblems(BAD_REQUEST, NOT_FOUND)
  async get(@Param('id', new ZodPipe(z.uuid('must be a UUID'))) id: string): Promise<Campaign> {
    const campaign = await this.campaigns.get(id);
    if (!campaign) throw new CampaignNotFoundError(id);
    return campaign;
  }
}

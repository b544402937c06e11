import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  ApiZodQuery,
  ApiZodResponse,
  pageQuerySchema,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { type Page } from '@switchboard/domain';
import { CONFIG } from '@switchboard/service';
import { z } from 'zod';
import type { BillingConfig } from '../config.ts';
import { CallsRepository } from './calls.repository.ts';

const unratedCallSchema = z.object({
  callId: z.uuid(),
  customerId: z.uuid(),
  orderId: z.uuid().nullable(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  participantConnections: z.number().int(),
  receivedAt: z.iso.datetime(),
  /** Why it is not rated: it waits for rates, or rating it with them failed (and how). */
  reason: z.string(),
});
type UnratedCall = z.output<typeof unratedCallSchema>;
const unratedPageSchema = z.object({ items: z.array(unratedCallSchema), nextCursor: z.string().nullable() });
type PageQuery = z.output<typeof pageQuerySchema>;

const WAITING_FOR_RATES = 'waiting for contract rates in effect when it started';

@ApiTags('calls')
@Controller('v1/calls')
export class CallsController {
  constructor(
    private readonly calls: CallsRepository,
    @Inject(CONFIG) private readonly config: BillingConfig,
  ) {}

  @Get('unrated')
  @RequireScope('billing.calls:read')
  @ApiOperation({
    summary:
      'Calls for review: those billing could not rate with the contract rates in effect when they started (at once, with the reason), and those still waiting for such rates UNRATED_AFTER_MINUTES after they arrived',
  })
  @ApiZodQuery(pageQuerySchema)
  @ApiZodResponse(200, unratedPageSchema, 'a page of unrated calls, oldest first')
  @ApiProblems({ status: 400, description: 'invalid request; `errors` names each bad field' })
  async unrated(@Query(new ZodPipe(pageQuerySchema)) query: PageQuery): Promise<Page<UnratedCall>> {
    const page = await this.calls.listUnrated(this.config.unratedAfterMinutes, query);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((call) => ({
        callId: call.callId,
        customerId: call.customerId,
        orderId: call.orderId,
        startedAt: new Date(call.startedAt).toISOString(),
        endedAt: new Date(call.endedAt).toISOString(),
        participantConnections: call.participants.length,
        receivedAt: call.receivedAt.toISOString(),
        reason: call.holdReason ?? WAITING_FOR_RATES,
      })),
    };
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Page } from '@switchboard/domain';
import {
  ApiProblems,
  ApiZodBody,
  ApiZodQuery,
  ApiZodResponse,
  type Caller,
  CurrentCaller,
  pageQuerySchema,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { z } from 'zod';
import { type CallEvent, callEventSchema } from './call-events.ts';
import { CdrRejectedError, UnknownAccessCodeError } from './calls.errors.ts';
import { CallsRepository } from './calls.repository.ts';
import { eventCallId } from './event-call-id.ts';
import { parseCdrCsv } from './cdr-csv.ts';
import { type CallActivityResult, RecordCallActivityUseCase } from './record-call-activity.use-case.ts';

const reviewSchema = z.object({
  callId: z.string(),
  eventCallId: z.uuid(),
  outcome: z.enum(['CLOSED', 'ABANDONED']),
  reason: z.string(),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  closedAt: z.iso.datetime(),
});
type Review = z.output<typeof reviewSchema>;
const reviewPageSchema = z.object({ items: z.array(reviewSchema), nextCursor: z.string().nullable() });
type PageQuery = z.output<typeof pageQuerySchema>;
const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

const callIdParam = new ZodPipe(
  z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1–200 letters, digits or . _ : -'),
);

/** The bridge's call activity, live or from a legacy bridge's call-detail records. */
@ApiTags('calls')
@Controller('v1/calls')
export class CallsController {
  constructor(
    private readonly record: RecordCallActivityUseCase,
    private readonly calls: CallsRepository,
  ) {}

  @Get('reviews')
  @RequireScope('bridge.calls:read')
  @ApiOperation({
    summary:
      'Calls the sweeper closed at their last reported activity (no end after their start came within OPEN_CALL_TIMEOUT_MINUTES) or abandoned (no start): for review',
  })
  @ApiZodQuery(pageQuerySchema)
  @ApiZodResponse(200, reviewPageSchema, 'a page of swept calls, in the order they were swept')
  @ApiProblems({ status: 400, description: 'invalid request; `errors` names each bad field' })
  async reviews(@Query(new ZodPipe(pageQuerySchema)) query: PageQuery): Promise<Page<Review>> {
    const page = await this.calls.reviews(query);
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((review) => ({
        callId: review.callId,
        eventCallId: eventCallId(review.callId),
        outcome: review.outcome,
        reason: review.reason,
        startedAt: iso(review.startedAt),
        endedAt: iso(review.endedAt),
        closedAt: review.closedAt.toISOString(),
      })),
    };
  }

  @Post(':callId/events')
  @RequireScope('bridge.calls:write')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Report one event of a call; the call completes (conference.call-completed) once started and ended',
  })
  @ApiZodBody(callEventSchema)
  @ApiProblems(
    { status: 400, description: 'invalid event; `errors` names each bad field' },
    { status: 409, description: 'the call is completed already' },
    { status: 422, description: 'no active reservation has the access code' },
  )
  event(
    @Param('callId', callIdParam) callId: string,
    @Body(new ZodPipe(callEventSchema)) event: CallEvent,
    @CurrentCaller() caller: Caller,
  ): Promise<CallActivityResult> {
    return this.record.execute(callId, [event], caller.clientId);
  }

  @Post('cdr')
  @RequireScope('bridge.calls:write', { routeClass: 'bulk' })
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import call-detail records (CSV, one row per participant connection) of a legacy bridge',
    description:
      'Each call is imported or refused on its own: `calls` lists those recorded, `problems` the lines of the file that were not imported and why (a row that cannot be read, a call with an unknown access code).',
  })
  @ApiConsumes('text/csv')
  @ApiBody({
    description:
      'header: call_id,access_code,call_started_at,call_ended_at,participant_id,caller_number,toll_free,joined_at,left_at,recording_seconds',
    schema: { type: 'string' },
  })
  @ApiProblems({ status: 422, description: 'no call could be imported; `problems` names lines and columns' })
  async cdr(
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<{ calls: CallActivityResult[]; problems: unknown[] }> {
    const text = typeof body === 'string' ? body : '';
    const { calls, problems } = parseCdrCsv(text);
    if (calls.length === 0)
      throw new CdrRejectedError(problems.length > 0 ? problems : [{ line: 1, message: 'no rows' }]);
    const { results, refused } = await this.record.executeMany(calls, caller.clientId);
    const all = [
      ...problems,
      ...refused.flatMap(({ index, error }) => {
        const call = calls[index];
        return (call?.lines ?? []).map((line) => ({
          line,
          ...(error instanceof UnknownAccessCodeError && { column: 'access_code' }),
          message: `not imported: call ${call?.callId}: ${error.message}`,
        }));
      }),
    ].sort((a, b) => a.line - b.line);
    if (results.length === 0) throw new CdrRejectedError(all);
    return { calls: results, problems: all };
  }
}

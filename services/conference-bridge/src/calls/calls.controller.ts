import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  ApiZodBody,
  type Caller,
  CurrentCaller,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { z } from 'zod';
import { type CallEvent, callEventSchema } from './call-events.ts';
import { CdrRejectedError } from './calls.errors.ts';
import { parseCdrCsv } from './cdr-csv.ts';
import { type CallActivityResult, RecordCallActivityUseCase } from './record-call-activity.use-case.ts';

const callIdParam = new ZodPipe(
  z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1–200 letters, digits or . _ : -'),
);

/** The bridge's call activity, live or from a legacy bridge's call-detail records. */
@ApiTags('calls')
@Controller('v1/calls')
export class CallsController {
  constructor(private readonly record: RecordCallActivityUseCase) {}

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
    const results: CallActivityResult[] = [];
    for (const call of calls)
      results.push(await this.record.execute(call.callId, call.events, caller.clientId));
    return { calls: results, problems: [...problems] };
  }
}

import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  ApiZodBody,
  ApiZodQuery,
  ApiZodResponse,
  pageQuerySchema,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { decodeCursor, type Page, pageOf } from '@switchboard/domain';
import { type OutboxDeadLetter, OutboxDeadLetters } from '@switchboard/messaging';
import { z } from 'zod';

const deadLetterSchema = z.object({
  id: z.string().describe('its id among the dead letters (for replay)'),
  topic: z.string(),
  key: z.string().describe('the record key: the aggregate id'),
  eventId: z.uuid(),
  bytes: z.number().int().describe("size of the event's Avro body"),
  enqueuedAt: z.iso.datetime().describe('when the event was written to the outbox'),
  failedAt: z.iso.datetime(),
  errorClass: z.string().describe("the broker's reason, e.g. MESSAGE_TOO_LARGE"),
  errorMessage: z.string(),
  replayedAt: z.iso.datetime().nullable().describe('when it was put back into the outbox; null while parked'),
});
const deadLetterPageSchema = z.object({
  items: z.array(deadLetterSchema),
  nextCursor: z.string().nullable(),
});
const replaySchema = z
  .object({
    ids: z
      .array(z.string().regex(/^\d{1,18}$/, 'must be a dead letter id'))
      .min(1)
      .max(1000)
      .optional()
      .describe('the dead letters to replay; all not replayed yet when absent'),
  })
  .default({});
const replayedSchema = z.object({ replayed: z.array(deadLetterSchema) });
const cursorShape = z.tuple([z.number().int().min(0)]);
const BAD_REQUEST = { status: 400, description: 'invalid request; `errors` names each bad field' };

/**
 * The service's outbox dead letters: events its relay could not publish because the broker
 * refused them for good (too large, invalid). Every service has them; `pnpm dlq list outbox
 * <service>` reads them here.
 */
@ApiTags('outbox')
@Controller('v1/outbox')
export class OutboxController {
  constructor(private readonly deadLetters: OutboxDeadLetters) {}

  @Get('dead-letters')
  @RequireScope('switchboard.outbox:read')
  @ApiOperation({ summary: 'Events the broker refused for good, parked by the outbox relay, oldest first' })
  @ApiZodQuery(pageQuerySchema)
  @ApiZodResponse(200, deadLetterPageSchema, 'a page of dead letters; pass nextCursor as cursor for the next')
  @ApiProblems(BAD_REQUEST)
  async list(
    @Query(new ZodPipe(pageQuerySchema)) query: z.output<typeof pageQuerySchema>,
  ): Promise<Page<OutboxDeadLetter>> {
    const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, cursorShape)[0];
    const rows = await this.deadLetters.list({ after: String(after), limit: query.limit + 1 });
    return pageOf(
      rows,
      query.limit,
      (row) => row,
      (row) => [Number(row.id)],
    );
  }

  @Post('dead-letters/replay')
  @RequireScope('switchboard.outbox:replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Put dead letters back into the outbox (all not replayed yet, or those named), once the cause is fixed; each is replayed once',
  })
  @ApiZodBody(replaySchema)
  @ApiZodResponse(200, replayedSchema, 'the dead letters put back into the outbox')
  @ApiProblems(BAD_REQUEST)
  async replay(
    @Body(new ZodPipe(replaySchema)) body: z.output<typeof replaySchema>,
  ): Promise<{ replayed: OutboxDeadLetter[] }> {
    return { replayed: await this.deadLetters.replay(body.ids) };
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiZodBody, ApiZodResponse, RequireScope, ZodPipe } from '@switchboard/http';
import type { Response } from 'express';
import { z } from 'zod';
import { PeriodCloseNotFoundError } from '../billing.errors.ts';
import { ClosePeriodUseCase } from './close-period.use-case.ts';
import {
  type ClosePeriod,
  closePeriodSchema,
  type PeriodClose,
  periodCloseSchema,
  periodSchema,
} from './dto/invoice.dto.ts';
import { PeriodClosesRepository } from './period-closes.repository.ts';

const BAD_REQUEST = { status: 400, description: 'invalid request; `errors` names each bad field' };

/** Closing a month: issuing its invoices, as a durable job the caller follows. */
@ApiTags('invoices')
@Controller('v1/billing-periods')
export class BillingPeriodsController {
  constructor(
    private readonly close: ClosePeriodUseCase,
    private readonly closes: PeriodClosesRepository,
  ) {}

  @Post(':period/close')
  @RequireScope('billing.periods:close')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Close a calendar month (UTC): issue every invoice of it open now — or one customer's — numbered, with due date and PDF, publishing billing.invoice-issued for each. Answers at once; the close runs on, across restarts, until it is COMPLETED. Repeatable: a later close issues what opened since.",
  })
  @ApiZodBody(closePeriodSchema)
  @ApiZodResponse(202, periodCloseSchema, 'the close, RUNNING; follow it at the Location given')
  @ApiProblems(BAD_REQUEST, { status: 422, description: 'the period has not started yet' })
  async closePeriod(
    @Param('period', new ZodPipe(periodSchema)) period: string,
    @Body(new ZodPipe(closePeriodSchema)) body: ClosePeriod,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PeriodClose> {
    const close = await this.close.execute(period, body);
    response.setHeader('Location', `/v1/billing-periods/${period}/closes/${close.id}`);
    return close;
  }

  @Get(':period/closes/:closeId')
  @RequireScope('billing.periods:close')
  @ApiOperation({
    summary: 'A period close: RUNNING or COMPLETED, with the invoices issued and still to issue',
  })
  @ApiZodResponse(200, periodCloseSchema, 'the close')
  @ApiProblems(BAD_REQUEST, { status: 404, description: 'no such close of that period' })
  async getClose(
    @Param('period', new ZodPipe(periodSchema)) period: string,
    @Param('closeId', new ZodPipe(z.uuid('must be a UUID'))) closeId: string,
  ): Promise<PeriodClose> {
    const close = await this.closes.get(closeId);
    if (!close || close.period !== period) throw new PeriodCloseNotFoundError(period, closeId);
    return close;
  }
}

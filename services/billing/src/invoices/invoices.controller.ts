import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiZodBody, ApiZodQuery, ApiZodResponse, ZodPipe } from '@switchboard/http';
import { type Page } from '@switchboard/domain';
import type { Response } from 'express';
import { z } from 'zod';
import { InvoiceNotFoundError, InvoiceNotIssuedError, PeriodCloseNotFoundError } from '../billing.errors.ts';
import { ClosePeriodUseCase } from './close-period.use-case.ts';
import {
  type ClosePeriod,
  closePeriodSchema,
  type Invoice,
  invoicePageSchema,
  invoiceSchema,
  type InvoiceSummary,
  type ListInvoicesQuery,
  listInvoicesQuerySchema,
  type PeriodClose,
  periodCloseSchema,
  periodSchema,
} from './dto/invoice.dto.ts';
import { InvoicesRepository } from './invoices.repository.ts';
import { PeriodClosesRepository } from './period-closes.repository.ts';

const idParam = new ZodPipe(z.uuid('must be a UUID'));
const BAD_REQUEST = { status: 400, description: 'invalid request; `errors` names each bad field' };
const NOT_FOUND = { status: 404, description: 'no such invoice' };

@ApiTags('invoices')
@Controller('v1/invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesRepository) {}

  @Get()
  @ApiOperation({ summary: 'List invoices in the order they were opened, by customer, period and status' })
  @ApiZodQuery(listInvoicesQuerySchema)
  @ApiZodResponse(200, invoicePageSchema, 'a page of invoices; pass nextCursor as cursor for the next')
  @ApiProblems(BAD_REQUEST)
  list(@Query(new ZodPipe(listInvoicesQuerySchema)) query: ListInvoicesQuery): Promise<Page<InvoiceSummary>> {
    return this.invoices.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One invoice with its charged calls and their lines (OPEN ones grow until the period closes)',
  })
  @ApiZodResponse(200, invoiceSchema, 'the invoice')
  @ApiProblems(BAD_REQUEST, NOT_FOUND)
  async get(@Param('id', idParam) id: string): Promise<Invoice> {
    const invoice = await this.invoices.get(id);
    if (!invoice) throw new InvoiceNotFoundError(id);
    return { ...invoice, calls: await this.invoices.chargedCalls(id) };
  }

  @Get(':id/pdf')
  @ApiOperation({
    summary:
      'The issued invoice as a PDF document, with its SHA-256 as ETag and Repr-Digest (what billing.invoice-issued says)',
  })
  @ApiProduces('application/pdf')
  @ApiProblems(BAD_REQUEST, NOT_FOUND, { status: 409, description: 'the invoice is still open' })
  async pdf(
    @Param('id', idParam) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const found = await this.invoices.pdf(id);
    if (!found) throw new InvoiceNotFoundError(id);
    if (found.status !== 'ISSUED' || !found.pdf) throw new InvoiceNotIssuedError(id);
    response.setHeader('Content-Disposition', `inline; filename="invoice-${found.number}.pdf"`);
    if (found.sha256) {
      response.setHeader('ETag', `"${found.sha256}"`);
      response.setHeader('Repr-Digest', `sha-256=:${Buffer.from(found.sha256, 'hex').toString('base64')}:`);
    }
    return new StreamableFile(found.pdf, { type: 'application/pdf', length: found.pdf.length });
  }
}

@ApiTags('invoices')
@Controller('v1/billing-periods')
export class BillingPeriodsController {
  constructor(
    private readonly close: ClosePeriodUseCase,
    private readonly closes: PeriodClosesRepository,
  ) {}

  @Post(':period/close')
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
  @ApiOperation({
    summary: 'A period close: RUNNING or COMPLETED, with the invoices issued and still to issue',
  })
  @ApiZodResponse(200, periodCloseSchema, 'the close')
  @ApiProblems(BAD_REQUEST, { status: 404, description: 'no such close of that period' })
  async getClose(
    @Param('period', new ZodPipe(periodSchema)) period: string,
    @Param('closeId', idParam) closeId: string,
  ): Promise<PeriodClose> {
    const close = await this.closes.get(closeId);
    if (!close || close.period !== period) throw new PeriodCloseNotFoundError(period, closeId);
    return close;
  }
}

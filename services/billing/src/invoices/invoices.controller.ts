import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiZodQuery, ApiZodResponse, RequireScope, ZodPipe } from '@switchboard/http';
import { type Page } from '@switchboard/domain';
import type { Response } from 'express';
import { z } from 'zod';
import { InvoiceNotFoundError, InvoiceNotIssuedError } from '../billing.errors.ts';
import {
  type Invoice,
  invoicePageSchema,
  invoiceSchema,
  type InvoiceSummary,
  type ListInvoicesQuery,
  listInvoicesQuerySchema,
} from './dto/invoice.dto.ts';
import { InvoicesRepository } from './invoices.repository.ts';

const idParam = new ZodPipe(z.uuid('must be a UUID'));
const BAD_REQUEST = { status: 400, description: 'invalid request; `errors` names each bad field' };
const NOT_FOUND = { status: 404, description: 'no such invoice' };

@ApiTags('invoices')
@Controller('v1/invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesRepository) {}

  @Get()
  @RequireScope('billing.invoices:read')
  @ApiOperation({ summary: 'List invoices in the order they were opened, by customer, period and status' })
  @ApiZodQuery(listInvoicesQuerySchema)
  @ApiZodResponse(200, invoicePageSchema, 'a page of invoices; pass nextCursor as cursor for the next')
  @ApiProblems(BAD_REQUEST)
  list(@Query(new ZodPipe(listInvoicesQuerySchema)) query: ListInvoicesQuery): Promise<Page<InvoiceSummary>> {
    return this.invoices.list(query);
  }

  @Get(':id')
  @RequireScope('billing.invoices:read')
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
  @RequireScope('billing.invoices:read')
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

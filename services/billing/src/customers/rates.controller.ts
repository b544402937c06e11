import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiZodResponse, RequireScope, ZodPipe } from '@switchboard/http';
import { z } from 'zod';
import { moneySchema } from '../invoices/dto/invoice.dto.ts';
import { NoRatesError } from '../billing.errors.ts';
import { CustomersRepository } from './customers.repository.ts';

const ratesSchema = z.object({
  customerId: z.uuid(),
  contractId: z.uuid(),
  version: z.number().int(),
  currency: z.string().length(3),
  perParticipantMinute: moneySchema,
  tollFreeSurchargePerMinute: moneySchema,
  recordingPerMinute: moneySchema,
  minimumChargePerCall: moneySchema,
  effectiveFrom: z.iso.datetime(),
  updatedAt: z.iso.datetime().describe('when billing received this version from crm'),
});
type Rates = z.output<typeof ratesSchema>;

@ApiTags('rates')
@Controller('v1/customers')
export class RatesController {
  constructor(private readonly customers: CustomersRepository) {}

  @Get(':id/rates')
  @RequireScope('billing.rates:read')
  @ApiOperation({
    summary: "The customer's newest contract rates as billing sees them, and when they arrived",
  })
  @ApiZodResponse(200, ratesSchema, 'the newest version of the rates')
  @ApiProblems(
    { status: 400, description: 'the id is not a UUID' },
    { status: 404, description: 'billing knows no rates of this customer' },
  )
  async rates(@Param('id', new ZodPipe(z.uuid('must be a UUID'))) customerId: string): Promise<Rates> {
    const rates = await this.customers.newestRates(customerId);
    if (!rates) throw new NoRatesError(customerId);
    const money = (amountMinor: number) => ({ amountMinor, currency: rates.currency });
    return {
      customerId,
      contractId: rates.contractId,
      version: rates.version,
      currency: rates.currency,
      perParticipantMinute: money(rates.perParticipantMinute),
      tollFreeSurchargePerMinute: money(rates.tollFreeSurchargePerMinute),
      recordingPerMinute: money(rates.recordingPerMinute),
      minimumChargePerCall: money(rates.minimumChargePerCall),
      effectiveFrom: new Date(rates.effectiveFrom).toISOString(),
      updatedAt: rates.receivedAt.toISOString(),
    };
  }
}

import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  ApiZodBody,
  ApiZodResponse,
  type Caller,
  CurrentCaller,
  RequireScope,
  ZodPipe,
} from '@switchboard/http';
import { customerIdParam } from '../customers/customers.controller.ts';
import { CustomerNotFoundError } from '../customers/customers.errors.ts';
import { CustomersRepository } from '../customers/customers.repository.ts';
import { ChangeContractRatesUseCase } from './change-contract-rates.use-case.ts';
import { NoContractError } from './contract.errors.ts';
import { ContractRepository } from './contract.repository.ts';
import {
  type ChangeContractRates,
  changeContractRatesSchema,
  type Contract,
  type ContractRates,
  contractRatesSchema,
  contractSchema,
} from './dto/contract.dto.ts';

/**
 * The version in effect at `instant`: the latest to start by then (a later version may start
 * earlier than an older one, e.g. a correction); the higher version wins a tie.
 */
export function inEffectAt(history: readonly ContractRates[], instant: number): ContractRates | null {
  let best: ContractRates | null = null;
  for (const rates of history) {
    const from = Date.parse(rates.effectiveFrom);
    if (from > instant) continue;
    const bestFrom = best === null ? -Infinity : Date.parse(best.effectiveFrom);
    if (best === null || from > bestFrom || (from === bestFrom && rates.version > best.version)) best = rates;
  }
  return best;
}

/** A customer's contract rates and their history. */
@ApiTags('contracts')
@Controller('v1/customers/:id/contract')
export class ContractController {
  constructor(
    private readonly change: ChangeContractRatesUseCase,
    private readonly contracts: ContractRepository,
    private readonly customers: CustomersRepository,
  ) {}

  @Put()
  @RequireScope('crm.contracts:write')
  @ApiOperation({ summary: 'Set new contract rates (publishes crm.contract-rates-changed)' })
  @ApiZodBody(changeContractRatesSchema, 'amounts in minor units of the currency')
  @ApiZodResponse(200, contractRatesSchema, 'the new version of the rates')
  @ApiProblems(
    { status: 400, description: 'invalid request; `errors` names each bad field' },
    { status: 404, description: 'no such customer' },
  )
  put(
    @Param('id', customerIdParam) id: string,
    @Body(new ZodPipe(changeContractRatesSchema)) body: ChangeContractRates,
    @CurrentCaller() caller: Caller,
  ): Promise<ContractRates> {
    return this.change.execute(id, body, caller.clientId);
  }

  @Get()
  @RequireScope('crm.contracts:read')
  @ApiOperation({ summary: 'The rates in effect now and every version before and after' })
  @ApiZodResponse(200, contractSchema, 'the contract')
  @ApiProblems({ status: 404, description: 'no such customer, or no rates yet' })
  async get(@Param('id', customerIdParam) id: string): Promise<Contract> {
    const history = await this.contracts.history(id);
    if (history.length === 0) {
      if (!(await this.customers.get(id))) throw new CustomerNotFoundError(id);
      throw new NoContractError(id);
    }
    return { customerId: id, current: inEffectAt(history, Date.now()), history };
  }
}

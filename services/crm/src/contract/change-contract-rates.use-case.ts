import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Outbox } from '@switchboard/messaging';
import { type SqlDatabase } from '@switchboard/database';
import { DATABASE, newMeta } from '@switchboard/service';
import { CustomerNotFoundError } from '../customers/customers.errors.ts';
import { CustomersRepository } from '../customers/customers.repository.ts';
import { ContractRepository } from './contract.repository.ts';
import type { ChangeContractRates, ContractRates } from './dto/contract.dto.ts';

/**
 * Records a new version of a customer's contract rates — earlier versions stay, so a call is
 * always rated with the rates in effect when it started — and announces it with
 * `crm.contract-rates-changed`.
 */
@Injectable()
export class ChangeContractRatesUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    private readonly customers: CustomersRepository,
    private readonly contracts: ContractRepository,
    private readonly outbox: Outbox,
  ) {}

  /** `actor`: the client id of the caller, carried on the event. */
  async execute(
    customerId: string,
    input: ChangeContractRates,
    actor: string | null,
  ): Promise<ContractRates> {
    return this.db.transaction(async (tx) => {
      // The row lock orders concurrent changes of one customer's rates into distinct versions.
      if (!(await this.customers.getForUpdate(tx, customerId))) throw new CustomerNotFoundError(customerId);
      const contractId = (await this.contracts.contractIdOf(tx, customerId)) ?? randomUUID();
      const rates = await this.contracts.addVersion(tx, customerId, contractId, {
        ...input,
        effectiveFrom: input.effectiveFrom ?? new Date().toISOString(),
      });
      const money = (amountMinor: number) => ({ amountMinor, currency: rates.currency });
      await this.outbox.enqueue(tx, 'crm.contract-rates-changed.v1', customerId, {
        meta: newMeta('crm', { actor }),
        customerId,
        contractId,
        version: rates.version,
        currency: rates.currency,
        perParticipantMinute: money(rates.perParticipantMinute),
        tollFreeSurchargePerMinute: money(rates.tollFreeSurchargePerMinute),
        recordingPerMinute: money(rates.recordingPerMinute),
        minimumChargePerCall: money(rates.minimumChargePerCall),
        effectiveFrom: Date.parse(rates.effectiveFrom),
      });
      return rates;
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import type { ChangeContractRates, ContractRates } from './dto/contract.dto.ts';

interface RatesRow {
  customer_id: string;
  version: number;
  contract_id: string;
  currency: string;
  per_participant_minute: string;
  toll_free_surcharge_per_minute: string;
  recording_per_minute: string;
  minimum_charge_per_call: string;
  effective_from: Date;
  created_at: Date;
}

function toRates(row: RatesRow): ContractRates {
  return {
    contractId: row.contract_id,
    customerId: row.customer_id,
    version: row.version,
    currency: row.currency,
    perParticipantMinute: Number(row.per_participant_minute),
    tollFreeSurchargePerMinute: Number(row.toll_free_surcharge_per_minute),
    recordingPerMinute: Number(row.recording_per_minute),
    minimumChargePerCall: Number(row.minimum_charge_per_call),
    effectiveFrom: new Date(row.effective_from).toISOString(),
    changedAt: new Date(row.created_at).toISOString(),
  };
}

@Injectable()
export class ContractRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /** Adds the next version of a customer's rates; the caller holds the customer's row lock. */
  async addVersion(
    tx: SqlExecutor,
    customerId: string,
    contractId: string,
    rates: ChangeContractRates & { effectiveFrom: string },
  ): Promise<ContractRates> {
    const { rows } = await tx.query<RatesRow>(
      `INSERT INTO contract_rates (customer_id, version, contract_id, currency, per_participant_minute,
         toll_free_surcharge_per_minute, recording_per_minute, minimum_charge_per_call, effective_from)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8
       FROM contract_rates WHERE customer_id = $1
       RETURNING *`,
      [
        customerId,
        contractId,
        rates.currency,
        rates.perParticipantMinute,
        rates.tollFreeSurchargePerMinute,
        rates.recordingPerMinute,
        rates.minimumChargePerCall,
        rates.effectiveFrom,
      ],
    );
    return toRates(rows[0] as RatesRow);
  }

  /** The contract id of the customer's rates, if any version exists. */
  async contractIdOf(tx: SqlExecutor, customerId: string): Promise<string | undefined> {
    const { rows } = await tx.query<{ contract_id: string }>(
      'SELECT contract_id FROM contract_rates WHERE customer_id = $1 ORDER BY version DESC LIMIT 1',
      [customerId],
    );
    return rows[0]?.contract_id;
  }

  /** Every version, newest first. */
  async history(customerId: string): Promise<ContractRates[]> {
    const { rows } = await this.db.query<RatesRow>(
      'SELECT * FROM contract_rates WHERE customer_id = $1 ORDER BY version DESC',
      [customerId],
    );
    return rows.map(toRates);
  }
}

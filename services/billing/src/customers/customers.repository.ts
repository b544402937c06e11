import { Inject, Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import type { ContractRates } from '../rating/rating.ts';

type CustomerEvent = EventOf<'crm.customer-registered.v1'> | EventOf<'crm.customer-updated.v1'>;

/** Who an invoice is addressed to. */
export interface BilledCustomer {
  readonly name: string;
  readonly address: {
    readonly street: string;
    readonly postalCode: string;
    readonly city: string;
    readonly region: string | null;
    readonly country: string;
  };
}

/** A version of a customer's contract rates, as billing received it. */
export interface StoredRates extends ContractRates {
  readonly customerId: string;
  readonly contractId: string;
  readonly receivedAt: Date;
}

interface RatesRow {
  customer_id: string;
  version: number;
  contract_id: string;
  currency: string;
  per_participant_minute: string | number;
  toll_free_surcharge_per_minute: string | number;
  recording_per_minute: string | number;
  minimum_charge_per_call: string | number;
  effective_from: Date | string;
  received_at: Date | string;
}

function toRates(row: RatesRow): StoredRates {
  return {
    customerId: row.customer_id,
    contractId: row.contract_id,
    version: row.version,
    currency: row.currency,
    perParticipantMinute: Number(row.per_participant_minute),
    tollFreeSurchargePerMinute: Number(row.toll_free_surcharge_per_minute),
    recordingPerMinute: Number(row.recording_per_minute),
    minimumChargePerCall: Number(row.minimum_charge_per_call),
    effectiveFrom: new Date(row.effective_from).getTime(),
    receivedAt: new Date(row.received_at),
  };
}

/** Billing's view of crm: customers' names and addresses, and every version of their rates. */
@Injectable()
export class CustomersRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /** Applies a customer event unless a newer one was applied already (events may come late). */
  async remember(tx: SqlExecutor, event: CustomerEvent): Promise<void> {
    const { address } = event;
    await tx.query(
      `INSERT INTO customers (customer_id, name, street, postal_code, city, region, country, as_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (customer_id) DO UPDATE SET
         name = excluded.name, street = excluded.street, postal_code = excluded.postal_code,
         city = excluded.city, region = excluded.region, country = excluded.country,
         as_of = excluded.as_of, updated_at = now()
       WHERE customers.as_of < excluded.as_of`,
      [
        event.customerId,
        event.name,
        address.street,
        address.postalCode,
        address.city,
        address.region,
        address.country,
        new Date(event.meta.occurredAt),
      ],
    );
  }

  async customer(tx: SqlExecutor, customerId: string): Promise<BilledCustomer | null> {
    const { rows } = await tx.query<{
      name: string;
      street: string;
      postal_code: string;
      city: string;
      region: string | null;
      country: string;
    }>('SELECT name, street, postal_code, city, region, country FROM customers WHERE customer_id = $1', [
      customerId,
    ]);
    const row = rows[0];
    return row
      ? {
          name: row.name,
          address: {
            street: row.street,
            postalCode: row.postal_code,
            city: row.city,
            region: row.region,
            country: row.country.trim(),
          },
        }
      : null;
  }

  /** Records a version of the rates; false when it was known already. */
  async rememberRates(tx: SqlExecutor, event: EventOf<'crm.contract-rates-changed.v1'>): Promise<boolean> {
    const { rows } = await tx.query(
      `INSERT INTO contract_rates (customer_id, version, contract_id, currency, per_participant_minute,
         toll_free_surcharge_per_minute, recording_per_minute, minimum_charge_per_call, effective_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (customer_id, version) DO NOTHING RETURNING version`,
      [
        event.customerId,
        event.version,
        event.contractId,
        event.currency,
        event.perParticipantMinute.amountMinor,
        event.tollFreeSurchargePerMinute.amountMinor,
        event.recordingPerMinute.amountMinor,
        event.minimumChargePerCall.amountMinor,
        new Date(event.effectiveFrom),
      ],
    );
    return rows.length > 0;
  }

  /**
   * Every version of each customer's rates, oldest first, in one statement: by customer id as
   * billing stores it (lower case), an empty list for a customer without rates.
   */
  async ratesHistories(tx: SqlExecutor, customerIds: readonly string[]): Promise<Map<string, StoredRates[]>> {
    const ids = [...new Set(customerIds.map((id) => id.toLowerCase()))];
    const histories = new Map(ids.map((id) => [id, [] as StoredRates[]]));
    const { rows } = await tx.query<RatesRow>(
      'SELECT * FROM contract_rates WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id, version',
      [ids],
    );
    for (const row of rows) histories.get(row.customer_id)?.push(toRates(row));
    return histories;
  }

  /** The newest version of a customer's rates (the highest version number). */
  async newestRates(customerId: string): Promise<StoredRates | undefined> {
    const { rows } = await this.db.query<RatesRow>(
      'SELECT * FROM contract_rates WHERE customer_id = $1 ORDER BY version DESC LIMIT 1',
      [customerId],
    );
    return rows[0] ? toRates(rows[0]) : undefined;
  }
}

import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@switchboard/database';

/** Orders' view of crm's customers: which ids exist. */
@Injectable()
export class KnownCustomersRepository {
  async remember(tx: SqlExecutor, customerId: string): Promise<void> {
    await tx.query(
      `INSERT INTO known_customers (customer_id) VALUES ($1)
       ON CONFLICT (customer_id) DO UPDATE SET updated_at = now()`,
      [customerId],
    );
  }
}

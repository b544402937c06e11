import { Inject, Injectable } from '@nestjs/common';
import { Outbox } from '@switchboard/messaging';
import { type SqlDatabase } from '@switchboard/database';
import { DATABASE, newMeta } from '@switchboard/service';
import { customerEventBody } from './customer-events.ts';
import { CustomerNotFoundError, EmailTakenError } from './customers.errors.ts';
import { CustomersRepository, isEmailTaken } from './customers.repository.ts';
import type { Customer, UpdateCustomer } from './dto/customer.dto.ts';

/**
 * Changes a customer and announces the full record after the change with `crm.customer-updated`.
 * A patch that changes nothing changes nothing, and announces nothing.
 */
@Injectable()
export class UpdateCustomerUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    private readonly customers: CustomersRepository,
    private readonly outbox: Outbox,
  ) {}

  /** `actor`: the client id of the caller, carried on the event. */
  async execute(id: string, patch: UpdateCustomer, actor: string | null): Promise<Customer> {
    try {
      return await this.db.transaction(async (tx) => {
        const current = await this.customers.getForUpdate(tx, id);
        if (!current) throw new CustomerNotFoundError(id);
        const next: Customer = {
          ...current,
          ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
        };
        if (JSON.stringify(next) === JSON.stringify(current)) return current;
        const updated = await this.customers.update(tx, next);
        await this.outbox.enqueue(
          tx,
          'crm.customer-updated.v1',
          id,
          customerEventBody(newMeta('crm', { actor }), updated),
        );
        return updated;
      });
    } catch (error) {
      if (isEmailTaken(error)) throw new EmailTakenError();
      throw error;
    }
  }
}

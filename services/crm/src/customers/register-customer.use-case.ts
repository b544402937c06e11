import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Outbox } from '@switchboard/messaging';
import { type SqlDatabase } from '@switchboard/database';
import { DATABASE, newMeta } from '@switchboard/service';
import { customerEventBody } from './customer-events.ts';
import { EmailTakenError } from './customers.errors.ts';
import { CustomersRepository, isEmailTaken } from './customers.repository.ts';
import type { Customer, RegisterCustomer } from './dto/customer.dto.ts';

/** Registers a customer and announces it with `crm.customer-registered`, in one transaction. */
@Injectable()
export class RegisterCustomerUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    private readonly customers: CustomersRepository,
    private readonly outbox: Outbox,
  ) {}

  /** `actor`: the client id of the caller, carried on the event. */
  async execute(input: RegisterCustomer, actor: string | null): Promise<Customer> {
    try {
      return await this.db.transaction(async (tx) => {
        const customer = await this.customers.insert(tx, randomUUID(), input);
        await this.outbox.enqueue(
          tx,
          'crm.customer-registered.v1',
          customer.id,
          customerEventBody(newMeta('crm', { actor }), customer),
        );
        return customer;
      });
    } catch (error) {
      if (isEmailTaken(error)) throw new EmailTakenError();
      throw error;
    }
  }
}

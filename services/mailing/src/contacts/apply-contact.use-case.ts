import { Injectable } from '@nestjs/common';
import type { CustomerRegistered, CustomerUpdated } from '@switchboard/contracts';
import type { SqlExecutor } from '@switchboard/database';
import { MailDispatcher } from '../mail/mail-dispatcher.ts';
import { OutgoingMailRepository } from '../mail/outgoing-mail.repository.ts';
import { ContactsRepository } from './contacts.repository.ts';

/**
 * Keeps mailing's contact of a customer current from crm's events, ignoring an event older than
 * what is stored. A newly known address releases the emails that waited for it, and redirects
 * those not sent yet.
 */
@Injectable()
export class ApplyContactUseCase {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly mails: OutgoingMailRepository,
    private readonly dispatcher: MailDispatcher,
  ) {}

  async execute(tx: SqlExecutor, event: CustomerRegistered | CustomerUpdated): Promise<void> {
    await this.contacts.lockCustomer(tx, event.customerId);
    if (!(await this.contacts.apply(tx, event))) return;
    const released = await this.mails.addressKnown(tx, event.customerId, event.email);
    if (released > 0) tx.afterCommit?.(() => this.dispatcher.wake());
  }
}

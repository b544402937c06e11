import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context } from '@opentelemetry/api';
import { migrate, openDatabase, type OpenDatabase } from '@switchboard/database';
import { IDEMPOTENT_COMMANDS_SQL } from '@switchboard/http';
import { MESSAGING_TABLES_SQL } from '@switchboard/messaging';
import { createTestDatabase, stackEndpoints, type TestDatabase } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailingConfig } from '../src/config.ts';
import { ApplyContactUseCase } from '../src/contacts/apply-contact.use-case.ts';
import { ContactsRepository } from '../src/contacts/contacts.repository.ts';
import { mailing } from '../src/mailing.definition.ts';
import type { MailDispatcher } from '../src/mail/mail-dispatcher.ts';
import { OutgoingMailRepository } from '../src/mail/outgoing-mail.repository.ts';
import { QueueMailUseCase } from '../src/mail/queue-mail.use-case.ts';
import { bridgeReserved, customerRegistered } from './support.ts';

// A booking's confirmation and the customer's contact arrive on different topics, so two
// transactions (two partitions, or two mailing processes) may handle them at the same moment.
// The first chaos run found three of 1,000 confirmations waiting for good for a contact mailing
// knew: each transaction had missed the other's uncommitted row.
describe('a confirmation queued while its contact arrives', () => {
  let database: TestDatabase;
  let opened: OpenDatabase;
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase(stackEndpoints().postgresUrl, 'mailing_race');
    folder = await mkdtemp(join(tmpdir(), 'mailing-race-'));
    opened = await openDatabase({ url: database.url, dataDir: folder, name: 'mailing' });
    await migrate(opened.db, mailing.migrations, [MESSAGING_TABLES_SQL, IDEMPOTENT_COMMANDS_SQL]);
  });

  afterAll(async () => {
    await opened?.close();
    await database?.drop();
    await rm(folder, { recursive: true, force: true });
  });

  it('is sent to the contact, whichever transaction commits first', async () => {
    const { db } = opened;
    const contacts = new ContactsRepository(db);
    const mails = new OutgoingMailRepository(db);
    // The dispatcher only gets woken here; what is checked is the row it would send.
    const dispatcher = { wake: () => undefined } as unknown as MailDispatcher;
    const applyContact = new ApplyContactUseCase(contacts, mails, dispatcher);
    const queueMail = new QueueMailUseCase({} as MailingConfig, contacts, mails, dispatcher);
    const customer = customerRegistered();

    // The contact's transaction has stored it and released what waited (nothing yet) ...
    let commit!: () => void;
    const applied = new Promise<void>((resolve) => (commit = resolve));
    let stored!: () => void;
    const contactStored = new Promise<void>((resolve) => (stored = resolve));
    const contactTx = db.transaction(async (tx) => {
      await applyContact.execute(tx, customer);
      stored();
      await applied;
    });
    await contactStored;
    // ... when the booking's transaction queues the confirmation, and only then do both commit.
    const bookingTx = db.transaction((tx) =>
      queueMail.bookingConfirmation(tx, bridgeReserved(customer.customerId), context.active()),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    commit();
    await Promise.all([contactTx, bookingTx]);

    const { rows } = await db.query<{ status: string; to_address: string | null }>(
      `SELECT status, to_address FROM outgoing_mail WHERE customer_id = $1`,
      [customer.customerId],
    );
    expect(rows).toEqual([{ status: 'PENDING', to_address: customer.email }]);
  });
});

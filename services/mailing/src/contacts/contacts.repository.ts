import { Inject, Injectable } from '@nestjs/common';
import type { CustomerRegistered, CustomerSegment, CustomerUpdated } from '@switchboard/contracts';
import { lockKeys, type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';

/** The class of the per-customer transaction lock (`lockCustomer`). */
const CONTACT_LOCK = 7_243_110;

/** What mailing knows of a customer: where to write to, and whether marketing mail is welcome. */
export interface Contact {
  readonly customerId: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly address: {
    readonly street: string;
    readonly postalCode: string;
    readonly city: string;
    readonly region: string | null;
    readonly country: string;
  };
  readonly segment: CustomerSegment;
  readonly marketingConsent: boolean;
}

interface ContactRow {
  customer_id: string;
  name: string;
  email: string;
  phone: string | null;
  street: string;
  postal_code: string;
  city: string;
  region: string | null;
  country: string;
  segment: CustomerSegment;
  marketing_consent: boolean;
}

function toContact(row: ContactRow): Contact {
  return {
    customerId: row.customer_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    address: {
      street: row.street,
      postalCode: row.postal_code,
      city: row.city,
      region: row.region,
      country: row.country,
    },
    segment: row.segment,
    marketingConsent: row.marketing_consent,
  };
}

/** mailing's view of crm's customers, built from crm.customer-registered and crm.customer-updated. */
@Injectable()
export class ContactsRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /**
   * Serializes, until the transaction ends, what touches one customer's contact and the emails
   * waiting for it: without it an email queued (no contact yet) while the contact's event commits
   * in another transaction — another partition, another process — would miss it and wait for good.
   */
  async lockCustomer(tx: SqlExecutor, customerId: string): Promise<void> {
    await lockKeys(tx, CONTACT_LOCK, [customerId]);
  }

  /** Locks several customers at once, in an order every transaction shares (see lockCustomer). */
  async lockCustomers(tx: SqlExecutor, customerIds: readonly string[]): Promise<void> {
    await lockKeys(tx, CONTACT_LOCK, customerIds);
  }

  /**
   * Stores the customer record an event carries, unless the stored one comes from a newer event
   * (events of different partitions, or a replay, may arrive out of order). True when it stored it.
   */
  async apply(tx: SqlExecutor, event: CustomerRegistered | CustomerUpdated): Promise<boolean> {
    const { rows } = await tx.query(
      `INSERT INTO contacts (customer_id, name, email, phone, street, postal_code, city, region, country,
         segment, marketing_consent, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (customer_id) DO UPDATE SET
         name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, street = EXCLUDED.street,
         postal_code = EXCLUDED.postal_code, city = EXCLUDED.city, region = EXCLUDED.region,
         country = EXCLUDED.country, segment = EXCLUDED.segment,
         marketing_consent = EXCLUDED.marketing_consent, occurred_at = EXCLUDED.occurred_at, updated_at = now()
       WHERE contacts.occurred_at < EXCLUDED.occurred_at
       RETURNING customer_id`,
      [
        event.customerId,
        event.name,
        event.email,
        event.phone,
        event.address.street,
        event.address.postalCode,
        event.address.city,
        event.address.region,
        event.address.country,
        event.segment,
        event.marketingConsent,
        event.meta.occurredAt,
      ],
    );
    return rows.length > 0;
  }

  /** The parts of a contact that decide a campaign's audience, and when they were stored. */
  async view(customerId: string): Promise<
    | {
        customerId: string;
        segment: CustomerSegment;
        country: string;
        marketingConsent: boolean;
        updatedAt: string;
      }
    | undefined
  > {
    const { rows } = await this.db.query<{
      segment: CustomerSegment;
      country: string;
      marketing_consent: boolean;
      updated_at: Date;
    }>('SELECT segment, country, marketing_consent, updated_at FROM contacts WHERE customer_id = $1', [
      customerId,
    ]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      customerId,
      segment: row.segment,
      country: row.country,
      marketingConsent: row.marketing_consent,
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  async get(customerId: string, tx: SqlExecutor = this.db): Promise<Contact | undefined> {
    const { rows } = await tx.query<ContactRow>('SELECT * FROM contacts WHERE customer_id = $1', [
      customerId,
    ]);
    return rows[0] ? toContact(rows[0]) : undefined;
  }

  /** The contacts of several customers, in one statement: by customer id (lower case), those known. */
  async getMany(tx: SqlExecutor, customerIds: readonly string[]): Promise<Map<string, Contact>> {
    const { rows } = await tx.query<ContactRow>(
      'SELECT * FROM contacts WHERE customer_id = ANY($1::uuid[])',
      [[...new Set(customerIds)]],
    );
    return new Map(rows.map((row) => [row.customer_id.toLowerCase(), toContact(row)]));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { cursorPart, decodeCursor, type Page, pageOf } from '@switchboard/domain';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { z } from 'zod';
import type { Customer, ListCustomersQuery } from './dto/customer.dto.ts';

interface CustomerRow {
  id: string;
  seq: string;
  name: string;
  email: string;
  phone: string | null;
  street: string;
  postal_code: string;
  city: string;
  region: string | null;
  country: string;
  segment: Customer['segment'];
  marketing_consent: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, seq, name, email, phone, street, postal_code, city, region, country, segment,
  marketing_consent, version, created_at, updated_at`;

function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
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
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The stored fields, in the column order of the insert and update statements ($2 … $11). */
function fieldsOf(customer: Omit<Customer, 'id' | 'version' | 'createdAt' | 'updatedAt'>): unknown[] {
  const { name, email, phone, address, segment, marketingConsent } = customer;
  return [
    name,
    email,
    phone,
    address.street,
    address.postalCode,
    address.city,
    address.region,
    address.country,
    segment,
    marketingConsent,
  ];
}

const cursorShape = z.tuple([cursorPart.seq]);

/** True when `error` is PostgreSQL's unique violation of the customers' email index. */
export function isEmailTaken(error: unknown): boolean {
  const { code, constraint, message } = error as { code?: string; constraint?: string; message?: string };
  return (
    code === '23505' && (constraint === 'customers_email' || (message ?? '').includes('customers_email'))
  );
}

@Injectable()
export class CustomersRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  async insert(
    tx: SqlExecutor,
    id: string,
    customer: Omit<Customer, 'id' | 'version' | 'createdAt' | 'updatedAt'>,
  ): Promise<Customer> {
    const { rows } = await tx.query<CustomerRow>(
      `INSERT INTO customers (id, name, email, phone, street, postal_code, city, region, country, segment, marketing_consent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [id, ...fieldsOf(customer)],
    );
    return toCustomer(rows[0] as CustomerRow);
  }

  /** Locks the customer's row for the rest of the transaction. */
  async getForUpdate(tx: SqlExecutor, id: string): Promise<Customer | undefined> {
    const { rows } = await tx.query<CustomerRow>(
      `SELECT ${COLUMNS} FROM customers WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ? toCustomer(rows[0]) : undefined;
  }

  async update(tx: SqlExecutor, customer: Customer): Promise<Customer> {
    const { rows } = await tx.query<CustomerRow>(
      `UPDATE customers SET name = $2, email = $3, phone = $4, street = $5, postal_code = $6, city = $7,
         region = $8, country = $9, segment = $10, marketing_consent = $11, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [customer.id, ...fieldsOf(customer)],
    );
    return toCustomer(rows[0] as CustomerRow);
  }

  async get(id: string): Promise<Customer | undefined> {
    const { rows } = await this.db.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE id = $1`, [id]);
    return rows[0] ? toCustomer(rows[0]) : undefined;
  }

  async exists(tx: SqlExecutor, id: string): Promise<boolean> {
    const { rows } = await tx.query('SELECT 1 FROM customers WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** Customers in registration order, filtered by segment and country. */
  async list(query: ListCustomersQuery): Promise<Page<Customer>> {
    const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, cursorShape)[0];
    const { rows } = await this.db.query<CustomerRow>(
      `SELECT ${COLUMNS} FROM customers
       WHERE seq > $1 AND ($2::text IS NULL OR segment = $2) AND ($3::text IS NULL OR country = $3)
       ORDER BY seq LIMIT $4`,
      [after, query.segment ?? null, query.country ?? null, query.limit + 1],
    );
    return pageOf(rows, query.limit, toCustomer, (row) => [Number(row.seq)]);
  }
}

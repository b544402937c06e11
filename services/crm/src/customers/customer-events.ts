import type { CustomerRegistered, EventMeta } from '@switchboard/contracts';
import type { Customer } from './dto/customer.dto.ts';

/** The full customer record that crm's customer events carry. */
export function customerEventBody(meta: EventMeta, customer: Customer): CustomerRegistered {
  return {
    meta,
    customerId: customer.id,
    name: customer.name,
    email: customer.email,
    phone: customer.phone,
    address: customer.address,
    segment: customer.segment,
    marketingConsent: customer.marketingConsent,
  };
}

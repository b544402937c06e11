import type { ServiceDefinition } from '@switchboard/service';
import { BillingSummaryModule } from './billing-summary/billing-summary.module.ts';
import { ContractModule } from './contract/contract.module.ts';
import { CustomersModule } from './customers/customers.module.ts';
import { CRM_HANDLERS } from './events/handlers.ts';

/**
 * crm owns customers and their contracts, and announces every change; it shows each customer's
 * billing figures from billing's events.
 */
export const crm: ServiceDefinition = {
  name: 'crm',
  title: 'Switchboard crm',
  description:
    "Customers and their contract rates. Every change is published as a crm.* event. A customer's profile shows billing's figures: the current period's charges to date and calls, and the last invoice.",
  migrations: new URL('../migrations/', import.meta.url),
  publishes: ['crm.customer-registered.v1', 'crm.customer-updated.v1', 'crm.contract-rates-changed.v1'],
  handlers: CRM_HANDLERS,
  features: [CustomersModule, ContractModule, BillingSummaryModule],
  errorStatus: { CUSTOMER_NOT_FOUND: 404, EMAIL_TAKEN: 409, NO_CONTRACT: 404 },
};

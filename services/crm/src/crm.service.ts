import type { ServiceDefinition } from '@switchboard/service';
import { ContractModule } from './contract/contract.module.ts';
import { CustomersModule } from './customers/customers.module.ts';

/** crm owns customers and their contracts, and announces every change. */
export const crm: ServiceDefinition = {
  name: 'crm',
  title: 'Switchboard crm',
  description: 'Customers and their contract rates. Every change is published as a crm.* event.',
  migrations: new URL('../migrations/', import.meta.url),
  publishes: ['crm.customer-registered.v1', 'crm.customer-updated.v1', 'crm.contract-rates-changed.v1'],
  features: [CustomersModule, ContractModule],
  errorStatus: { CUSTOMER_NOT_FOUND: 404, EMAIL_TAKEN: 409, NO_CONTRACT: 404 },
};

import type { ServiceDefinition } from '@switchboard/service';
import { BillingModule } from './billing.module.ts';
import { BILLING_HANDLERS } from './events/handlers.ts';

/** billing rates completed calls with the customer's contract rates and issues monthly invoices. */
export const billing: ServiceDefinition = {
  name: 'billing',
  title: 'Switchboard billing',
  description:
    "Rates completed calls with the contract rates in effect when they started, adds them to the customer's open invoice for the month and issues the invoices when a period closes.",
  migrations: new URL('../migrations/', import.meta.url),
  publishes: ['billing.call-charged.v1', 'billing.invoice-issued.v1'],
  handlers: BILLING_HANDLERS,
  features: [BillingModule],
  errorStatus: {
    INVOICE_NOT_FOUND: 404,
    NO_RATES: 404,
    PERIOD_CLOSE_NOT_FOUND: 404,
    INVOICE_NOT_ISSUED: 409,
    PERIOD_NOT_STARTED: 422,
  },
};

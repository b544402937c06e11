import type { ServiceName } from '@switchboard/contracts';
import type { ServiceDefinition } from '@switchboard/service';
import { billing } from '../../services/billing/src/billing.definition.ts';
import { conferenceBridge } from '../../services/conference-bridge/src/conference-bridge.definition.ts';
import { loadConfig as bridgeConfig } from '../../services/conference-bridge/src/config.ts';
import { crm } from '../../services/crm/src/crm.definition.ts';
import { mailing } from '../../services/mailing/src/mailing.definition.ts';
import { mailingConfig } from '../../services/mailing/test/support.ts';
import { orders } from '../../services/orders/src/orders.definition.ts';

/** A service as the cross-service tests start it in process: its definition and its own settings. */
export interface ServiceUnderTest {
  readonly definition: ServiceDefinition;
  readonly config?: () => Record<string, unknown>;
}

export const SERVICES_UNDER_TEST: Readonly<Record<ServiceName, ServiceUnderTest>> = {
  crm: { definition: crm },
  orders: { definition: orders },
  'conference-bridge': {
    definition: conferenceBridge,
    config: () => {
      // Read for its bridges only; the service under test connects as the tests' Kafka principal.
      const config = bridgeConfig({ KAFKA_SASL_PASSWORD: 'not used' });
      return { bridges: config.bridges, accessCodeDigits: config.accessCodeDigits };
    },
  },
  billing: {
    definition: billing,
    config: () => ({ unratedAfterMinutes: 0, invoiceDueDays: 14, invoiceNumberPrefix: 'INV' }),
  },
  mailing: { definition: mailing, config: () => mailingConfig('/tmp/unused-print-spool') },
};

import type { ServiceDefinition } from '@switchboard/service';
import type { MailingConfig } from './config.ts';
import { sentMailRetention } from './mail/mail-retention.ts';
import { MailingModule } from './mailing.module.ts';
import { MAILING_HANDLERS } from './events/handlers.ts';

/** mailing sends booking confirmations, invoices and campaigns by email and to the printer. */
export const mailing: ServiceDefinition<MailingConfig> = {
  name: 'mailing',
  title: 'Switchboard mailing',
  description:
    'Booking confirmations and invoices by email; campaigns as printed letters with an email notice. Every message sent is published as mailing.message-sent; a finished campaign as mailing.campaign-completed.',
  migrations: new URL('../migrations/', import.meta.url),
  publishes: ['mailing.message-sent.v1', 'mailing.campaign-completed.v1'],
  handlers: MAILING_HANDLERS,
  features: [MailingModule],
  errorStatus: {
    CAMPAIGN_NOT_FOUND: 404,
    CONTACT_NOT_FOUND: 404,
    INVALID_TEMPLATE: 422,
  },
  retention: (config) => sentMailRetention(config.sentMailRetentionDays),
};

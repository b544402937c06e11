import type { Contact } from '../contacts/contacts.repository.ts';
import { formatDate } from '../mail/format.ts';
import type { MailContent } from '../mail/messages.ts';
import { compileTemplate, type TemplateData, templateFields } from './templates.ts';

/** What a campaign's letters and notices are made from. */
export interface CampaignTemplates {
  readonly name: string;
  readonly letterTemplate: string;
  readonly noticeSubject: string;
  readonly noticeTemplate: string;
  /** YYYY-MM-DD. */
  readonly expectedDeliveryDate: string;
}

/** A recipient's letter text and notice email. */
export interface RecipientContent {
  readonly letter: string;
  readonly notice: MailContent;
  /** The notice's subject for mailing.message-sent: null when it shows a contact's data. */
  readonly eventSubject: string | null;
}

/** The data templates see; the delivery date reads as people write it (`15 December 2026`). */
export function templateDataOf(contact: Contact, campaign: CampaignTemplates): TemplateData {
  return {
    customer: {
      name: contact.name,
      email: contact.email,
      phone: contact.phone,
      address: {
        street: contact.address.street,
        postalCode: contact.address.postalCode,
        city: contact.address.city,
        region: contact.address.region,
        country: contact.address.country,
      },
      segment: contact.segment,
    },
    campaign: { name: campaign.name, expectedDeliveryDate: formatDate(campaign.expectedDeliveryDate) },
  };
}

/** A campaign's compiled templates, rendering each recipient's letter and notice. */
export class CampaignRenderer {
  private readonly letter: (data: TemplateData) => string;
  private readonly subject: (data: TemplateData) => string;
  private readonly notice: (data: TemplateData) => string;
  private readonly subjectIsPersonal: boolean;

  constructor(private readonly campaign: CampaignTemplates) {
    this.letter = compileTemplate(campaign.letterTemplate);
    this.subject = compileTemplate(campaign.noticeSubject);
    this.notice = compileTemplate(campaign.noticeTemplate);
    this.subjectIsPersonal = templateFields(campaign.noticeSubject).some(
      (field) => field === 'customer' || field.startsWith('customer.'),
    );
  }

  render(contact: Contact): RecipientContent {
    const data = templateDataOf(contact, this.campaign);
    const subject = this.subject(data).replace(/\s+/g, ' ').trim();
    let text = this.notice(data).trim();
    // The notice announces the letter; a template that forgets the date still tells it.
    if (!text.includes(data.campaign.expectedDeliveryDate)) {
      text += `\n\nYour letter should arrive around ${data.campaign.expectedDeliveryDate}.`;
    }
    return {
      letter: this.letter(data),
      notice: { subject, text },
      eventSubject: this.subjectIsPersonal ? null : subject,
    };
  }
}

import { describe, expect, it } from 'vitest';
import type { Contact } from '../contacts/contacts.repository.ts';
import { CampaignRenderer } from './campaign-content.ts';

const contact: Contact = {
  customerId: crypto.randomUUID(),
  name: 'Muster GmbH',
  email: 'office@muster.example',
  phone: '+49305550100',
  address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', region: null, country: 'DE' },
  segment: 'SMALL_BUSINESS',
  marketingConsent: true,
};

const campaign = {
  name: 'Spring offer',
  letterTemplate: 'Dear {{customer.name}},\nour {{campaign.name}}.',
  noticeSubject: 'A letter is on its way: {{campaign.name}}',
  noticeTemplate: 'Hello {{customer.name}}, expect our letter around {{campaign.expectedDeliveryDate}}.',
  expectedDeliveryDate: '2026-12-15',
};

describe('CampaignRenderer', () => {
  it('renders the letter and the notice from the contact and the campaign', () => {
    const content = new CampaignRenderer(campaign).render(contact);
    expect(content.letter).toBe('Dear Muster GmbH,\nour Spring offer.');
    expect(content.notice).toEqual({
      subject: 'A letter is on its way: Spring offer',
      text: 'Hello Muster GmbH, expect our letter around 15 December 2026.',
    });
    expect(content.eventSubject).toBe('A letter is on its way: Spring offer');
  });

  it('names the delivery date in a notice whose template forgot it', () => {
    const content = new CampaignRenderer({ ...campaign, noticeTemplate: 'Hello {{customer.name}}!' }).render(
      contact,
    );
    expect(content.notice.text).toBe(
      'Hello Muster GmbH!\n\nYour letter should arrive around 15 December 2026.',
    );
  });

  it('keeps a subject showing contact data out of mailing.message-sent', () => {
    const content = new CampaignRenderer({ ...campaign, noticeSubject: 'For {{customer.name}}' }).render(
      contact,
    );
    expect(content.notice.subject).toBe('For Muster GmbH');
    expect(content.eventSubject).toBeNull();
  });
});

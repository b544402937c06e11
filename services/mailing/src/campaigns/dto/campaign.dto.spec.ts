import { describe, expect, it } from 'vitest';
import { createCampaignSchema } from './campaign.dto.ts';

const campaign = {
  name: 'Spring offer',
  letter: { template: 'Dear {{customer.name}}' },
  notice: { subject: 'A letter is coming', template: 'Around {{campaign.expectedDeliveryDate}}' },
  expectedDeliveryDate: '2099-03-15',
};

const problems = (value: unknown) =>
  createCampaignSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('createCampaignSchema', () => {
  it('takes a campaign for every contact when no audience is given', () => {
    expect(createCampaignSchema.parse(campaign).audience).toEqual({});
  });

  it('wants a delivery date that exists and is not past, each problem said once', () => {
    expect(problems({ ...campaign, expectedDeliveryDate: '2099-02-30' })).toEqual([
      'expectedDeliveryDate: must be a date that exists',
    ]);
    expect(problems({ ...campaign, expectedDeliveryDate: '15.03.2099' })).toEqual([
      'expectedDeliveryDate: must be a date YYYY-MM-DD',
    ]);
    expect(problems({ ...campaign, expectedDeliveryDate: '2001-01-01' })).toEqual([
      'expectedDeliveryDate: must not be in the past',
    ]);
  });

  it('wants known segments and ISO country codes', () => {
    expect(problems({ ...campaign, audience: { segments: ['VIP'], countries: ['de'] } })).toEqual([
      expect.stringMatching(/^audience\.segments\.0: /),
      'audience.countries.0: must be an ISO-3166 alpha-2 country code, e.g. DE',
    ]);
  });
});

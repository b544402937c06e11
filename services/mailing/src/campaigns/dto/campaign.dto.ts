import { pageQuerySchema } from '@switchboard/http';
import { z } from 'zod';
import { TEMPLATE_FIELDS } from '../templates.ts';

export const CUSTOMER_SEGMENTS = [
  'SMALL_BUSINESS',
  'ENTERPRISE',
  'PUBLIC_SECTOR',
  'CONSUMER',
  'OTHER',
] as const;
export const CAMPAIGN_STATUSES = ['RUNNING', 'COMPLETED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const RECIPIENT_STATES = [
  'PENDING',
  'PRINTED',
  'NOTICE_SENT',
  'SKIPPED_NO_CONSENT',
  'FAILED',
] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

const templateHelp = `a Handlebars template; fields: ${TEMPLATE_FIELDS.join(', ')}; blocks: #if, #unless, #each, #with`;

/** A calendar date that exists (2026-02-30 does not). */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD', abort: true })
  .refine(
    (value) => {
      const date = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
    },
    { message: 'must be a date that exists', abort: true },
  );

export const createCampaignSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  letter: z.strictObject({
    template: z.string().min(1).max(50_000).describe(`The letter's text: ${templateHelp}`),
  }),
  notice: z.strictObject({
    subject: z.string().trim().min(1).max(300).describe(`The notice email's subject: ${templateHelp}`),
    template: z.string().min(1).max(20_000).describe(`The notice email's text: ${templateHelp}`),
  }),
  audience: z
    .strictObject({
      segments: z.array(z.enum(CUSTOMER_SEGMENTS)).min(1).max(CUSTOMER_SEGMENTS.length).optional(),
      countries: z
        .array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO-3166 alpha-2 country code, e.g. DE'))
        .min(1)
        .max(300)
        .optional(),
    })
    .default({})
    .describe('Which contacts get the campaign: all that match every given filter (none: every contact)'),
  expectedDeliveryDate: isoDate
    .refine((value) => value >= new Date().toISOString().slice(0, 10), 'must not be in the past')
    .describe('When the letters should arrive (YYYY-MM-DD); the notice email names it'),
});
export type CreateCampaign = z.output<typeof createCampaignSchema>;

export const listCampaignsQuerySchema = pageQuerySchema.extend({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
});
export type ListCampaignsQuery = z.output<typeof listCampaignsQuerySchema>;

export const campaignCountsSchema = z.object({
  /** Letters handed to the printer (or the spool). */
  lettersPrinted: z.number().int(),
  noticesSent: z.number().int(),
  skippedNoConsent: z.number().int(),
  failed: z.number().int(),
  recipients: z.number().int(),
});
export type CampaignCounts = z.output<typeof campaignCountsSchema>;

export const recipientSchema = z.object({
  customerId: z.uuid(),
  state: z.enum(RECIPIENT_STATES),
  printedAt: z.iso.datetime().nullable(),
  noticeSentAt: z.iso.datetime().nullable(),
  /** Why the recipient FAILED, or why the last attempt at its letter failed. */
  error: z.string().nullable(),
});
export type Recipient = z.output<typeof recipientSchema>;

export const campaignSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  letter: z.object({ template: z.string() }),
  notice: z.object({ subject: z.string(), template: z.string() }),
  audience: z.object({
    segments: z.array(z.enum(CUSTOMER_SEGMENTS)).nullable(),
    countries: z.array(z.string()).nullable(),
  }),
  expectedDeliveryDate: z.string(),
  counts: campaignCountsSchema,
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
});
export type CampaignSummary = z.output<typeof campaignSummarySchema>;

export const campaignSchema = campaignSummarySchema.extend({
  /** Every recipient, in the order they are processed. */
  recipients: z.array(recipientSchema),
});
export type Campaign = z.output<typeof campaignSchema>;

export const campaignPageSchema = z.object({
  items: z.array(campaignSummarySchema),
  nextCursor: z.string().nullable(),
});

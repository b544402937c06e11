import { pageQuerySchema } from '@switchboard/http';
import { z } from 'zod';
import { billingSummarySchema } from '../../billing-summary/dto/billing-summary.dto.ts';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** ISO 3166-1 alpha-2, as the canonical model requires (`DE`, `US`). */
export const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, {
    message: 'must be an ISO 3166-1 alpha-2 country code such as DE or US',
    abort: true,
  })
  .refine((code) => {
    const name = regionNames.of(code);
    return name !== undefined && name !== code && name !== 'Unknown Region';
  }, 'is not an ISO 3166-1 country code');

export const SEGMENTS = ['SMALL_BUSINESS', 'ENTERPRISE', 'PUBLIC_SECTOR', 'CONSUMER'] as const;

export const postalAddressSchema = z.object({
  street: z.string().trim().min(1).max(200),
  postalCode: z.string().trim().min(1).max(20),
  city: z.string().trim().min(1).max(100),
  region: z.string().trim().min(1).max(100).nullable().default(null),
  country: countryCode,
});

const customerFields = {
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()/-]{4,30}$/, 'must be a phone number such as +49 30 1234567')
    .nullable()
    .default(null),
  address: postalAddressSchema,
  segment: z.enum(SEGMENTS),
  marketingConsent: z.boolean().default(false),
};

export const registerCustomerSchema = z.strictObject(customerFields);
export type RegisterCustomer = z.output<typeof registerCustomerSchema>;

/** Any subset of the fields; `address` is replaced as a whole. */
export const updateCustomerSchema = z
  .strictObject({
    name: customerFields.name.optional(),
    email: customerFields.email.optional(),
    phone: customerFields.phone.optional(),
    address: postalAddressSchema.optional(),
    segment: customerFields.segment.optional(),
    marketingConsent: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');
export type UpdateCustomer = z.output<typeof updateCustomerSchema>;

export const listCustomersQuerySchema = pageQuerySchema.extend({
  segment: z.enum(SEGMENTS).optional(),
  country: countryCode.optional(),
});
export type ListCustomersQuery = z.output<typeof listCustomersQuerySchema>;

export const customerSchema = z.object({
  id: z.uuid(),
  ...customerFields,
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Customer = z.output<typeof customerSchema>;

/** One customer as its profile shows it: the record and billing's figures. */
export const customerProfileSchema = customerSchema.extend({
  /** Null until billing has reported anything for the customer. */
  billing: billingSummarySchema.nullable(),
});
export type CustomerProfile = z.output<typeof customerProfileSchema>;

export const customerPageSchema = z.object({
  items: z.array(customerSchema),
  nextCursor: z.string().nullable(),
});

import { isoInstant } from '@switchboard/http';
import { z } from 'zod';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const minorUnits = z.number().int('must be a whole number of minor units (cents)').min(0).max(1e12);

/** The rates a customer pays; every amount is in minor units of `currency` (cents for EUR). */
export const changeContractRatesSchema = z.strictObject({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 currency code such as EUR', abort: true })
    .refine((code) => CURRENCIES.has(code), 'is not an ISO 4217 currency code'),
  perParticipantMinute: minorUnits,
  tollFreeSurchargePerMinute: minorUnits,
  recordingPerMinute: minorUnits,
  minimumChargePerCall: minorUnits,
  /** When these rates start to apply; now when omitted. */
  effectiveFrom: isoInstant().optional(),
});
export type ChangeContractRates = z.output<typeof changeContractRatesSchema>;

export const contractRatesSchema = z.object({
  contractId: z.uuid(),
  customerId: z.uuid(),
  version: z.number().int(),
  currency: z.string(),
  perParticipantMinute: z.number().int(),
  tollFreeSurchargePerMinute: z.number().int(),
  recordingPerMinute: z.number().int(),
  minimumChargePerCall: z.number().int(),
  effectiveFrom: z.iso.datetime(),
  changedAt: z.iso.datetime(),
});
export type ContractRates = z.output<typeof contractRatesSchema>;

export const contractSchema = z.object({
  customerId: z.uuid(),
  /** The version in effect now (null while every version starts in the future). */
  current: contractRatesSchema.nullable(),
  /** Every version, newest first. */
  history: z.array(contractRatesSchema),
});
export type Contract = z.output<typeof contractSchema>;

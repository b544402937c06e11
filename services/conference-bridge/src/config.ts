import {
  DEFAULT_PORTS,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnv,
} from '@switchboard/config';
import { z } from 'zod';
import type { Bridge } from './bridges/capacity.ts';

const bridgesSchema = z
  .array(
    z.strictObject({
      id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be lower-case letters, digits and dashes'),
      name: z.string().min(1),
      dialInNumber: z
        .string()
        .regex(/^\+[0-9 ]{6,20}$/, 'must be an international number such as +49 30 5550100'),
      ports: z.number().int().min(1),
    }),
  )
  .min(1);

const DEFAULT_BRIDGES = JSON.stringify([
  { id: 'bridge-1', name: 'Main bridge', dialInNumber: '+49 30 5550100', ports: 100 },
]);

const schema = z.object({
  ...serviceEnv('conference-bridge', DEFAULT_PORTS['conference-bridge']),
  /** The bridges and their port counts, as JSON; tried in this order. */
  BRIDGES: z
    .string()
    .default(DEFAULT_BRIDGES)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'BRIDGES must be a JSON array' });
        return z.NEVER;
      }
    })
    .pipe(bridgesSchema),
  ACCESS_CODE_DIGITS: z.coerce.number().int().min(4).max(12).default(8),
  /**
   * A call of which nothing was reported for this long (fractions allowed) and that has not ended
   * is closed by the sweeper and listed for review.
   */
  OPEN_CALL_TIMEOUT_MINUTES: z.coerce.number().positive().default(1440),
  /** The activity reported of a completed call is kept this many days after it completed. */
  CALL_EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
});

export interface BridgeConfig extends ServiceConfig {
  readonly bridges: readonly Bridge[];
  readonly accessCodeDigits: number;
  readonly openCallTimeoutMinutes: number;
  readonly callEventsRetentionDays: number;
}

/** Reads the service's configuration once at boot; fails naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const vars = parseEnv(schema, env);
  return {
    ...serviceConfigOf('conference-bridge', vars),
    bridges: vars.BRIDGES,
    accessCodeDigits: vars.ACCESS_CODE_DIGITS,
    openCallTimeoutMinutes: vars.OPEN_CALL_TIMEOUT_MINUTES,
    callEventsRetentionDays: vars.CALL_EVENTS_RETENTION_DAYS,
  };
}

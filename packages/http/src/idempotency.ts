import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The hash of a request body by which a retry with the same Idempotency-Key is told from a reuse
 * of the key for another request: SHA-256 of its canonical JSON (keys sorted at every level), so
 * the same request hashes the same however its client ordered the fields.
 */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

/** The `Idempotency-Key` header of a request that creates `what` (an order, a campaign). */
export function idempotencyKeySchema(what: string) {
  return z
    .string({ message: `is required: a unique key per ${what}, reused when the request is retried` })
    .min(8, 'must be at least 8 characters (a UUID is a good key)')
    .max(200);
}

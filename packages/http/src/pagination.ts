import { z } from 'zod';

/**
 * `limit` (1–100, default 20) and `cursor`, the query of every list endpoint; what it parses to is
 * the `PageQuery` of `@switchboard/domain`, which repositories take.
 */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(500).optional(),
});

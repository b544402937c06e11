/** What a personal-data value shows as to a viewer without the scope to see it. */
export const MASK = '•••';

/**
 * The event with every personal-data field (dotted paths of the catalog, through arrays and
 * records) replaced by `MASK`; null and absent values stay as they are.
 */
export function masked(event: unknown, paths: readonly string[]): unknown {
  const copy: unknown = structuredClone(event);
  for (const path of paths) maskAt(copy, path.split('.'));
  return copy;
}

function maskAt(value: unknown, path: readonly string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) maskAt(item, path);
    return;
  }
  const [head, ...rest] = path;
  if (head === undefined) return;
  const record = value as Record<string, unknown>;
  if (!(head in record)) return;
  if (rest.length === 0) {
    if (record[head] !== null && record[head] !== undefined) record[head] = MASK;
    return;
  }
  maskAt(record[head], rest);
}

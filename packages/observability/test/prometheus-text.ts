/**
 * The value of the one sample of `name` whose labels are exactly `labels` in Prometheus text
 * exposition, or undefined when there is none. For tests: it reads only what `prom-client` writes.
 */
export function sample(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>>,
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(
      ([, key, value]) => [key ?? '', value ?? ''] as const,
    );
    if (JSON.stringify(found.sort(([a], [b]) => a.localeCompare(b))) === wanted) return Number(match[3]);
  }
  return undefined;
}

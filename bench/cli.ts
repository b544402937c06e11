/**
 * `pnpm bench [name]`: runs a benchmark against the real stack and prints its figures.
 * Benchmarks: messaging.
 */
const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  messaging: () => import('./messaging.ts'),
};

const name = process.argv[2] ?? 'messaging';
const run = BENCHMARKS[name];
if (!run) {
  console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exitCode = 1;
} else {
  await run();
}

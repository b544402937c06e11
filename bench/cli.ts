/**
 * `pnpm bench [name] [options]`: runs a benchmark against the real stack and prints its figures.
 * Benchmarks: messaging (one hop of the bus), flows (whole business flows through the APIs).
 */
const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  messaging: () => import('./messaging-cli.ts'),
  flows: () => import('./flows-cli.ts'),
};

const name = process.argv[2] ?? 'messaging';
const run = BENCHMARKS[name];
if (!run) {
  console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exitCode = 1;
} else {
  await run();
}

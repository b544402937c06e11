/**
 * `./switchboard chaos [--flows N] [--spacing SECONDS] [--drain SECONDS]`: the chaos run on the local stack (started
 * where it is not running). Prints what was lost and doubled through each fault, writes the report
 * as bench-results/chaos-<time>.json (each process's output beside it), and exits 1 when anything
 * was lost or doubled.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { useLocalStackOutsideVitest } from '@switchboard/testing';
import { wholeNumber } from '../support/args.ts';
import { runChaos } from './chaos.ts';
import { formatReport } from './report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const USAGE =
  'usage: ./switchboard chaos [--flows N (default 1000)] [--spacing SECONDS (default 10)] [--drain SECONDS: the longest wait for the drain (default 600)]';

const positive = (flag: string, text: string): number => wholeNumber(flag, text, USAGE);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      flows: { type: 'string', default: '1000' },
      spacing: { type: 'string', default: '10' },
      drain: { type: 'string', default: '600' },
    },
  });
  const flows = positive('flows', values.flows);
  const spacingMs = positive('spacing', values.spacing) * 1000;
  const drainTimeoutMs = positive('drain', values.drain) * 1000;
  const began = Date.now();
  const say = (line: string): void =>
    void process.stderr.write(`chaos +${Math.round((Date.now() - began) / 1000)}s: ${line.trim()}\n`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = join(ROOT, 'bench-results', `chaos-${stamp}`);
  const stopStack = await useLocalStackOutsideVitest(say);
  try {
    const report = await runChaos({ flows, spacingMs, drainTimeoutMs, log: say, logsDir: out });
    console.log(formatReport(report));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(`${out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nreport: ${out}.json · each process's output: ${out}/`);
    return report.lost + report.duplicated > 0 ? 1 : 0;
  } finally {
    await stopStack();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

/**
 * `./switchboard bench flows [--customers N] [--flood SECONDS] [--paced SECONDS] [--flow callToInvoice|booking]`:
 * the flows benchmark (bench/flows.ts) on the local stack, started where it is not running. Prints
 * the table, writes bench-results/flows-<time>.json, and exits 1 when a flow was lost or doubled.
 */
import { parseArgs } from 'node:util';
import { useLocalStackOutsideVitest } from '@switchboard/testing';
import { wholeNumber } from '../test/support/args.ts';
import { benchOutput, runBenchCommand, writeReport } from './output.ts';
import { type FlowName, formatFlowsReport, FULL_SIZE, runFlowsBench } from './flows.ts';

const USAGE =
  'usage: ./switchboard bench flows [--customers N (200)] [--flood SECONDS (20)] [--paced SECONDS (20)] [--flow callToInvoice|booking (both)]';

const positive = (flag: string, text: string | undefined, fallback: number): number =>
  text === undefined ? fallback : wholeNumber(flag, text, USAGE);

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: {
      customers: { type: 'string' },
      flood: { type: 'string' },
      paced: { type: 'string' },
      flow: { type: 'string', multiple: true },
    },
  });
  const requested = values.flow ?? ['callToInvoice', 'booking'];
  const unknown = requested.find((flow) => flow !== 'callToInvoice' && flow !== 'booking');
  if (unknown !== undefined) throw new Error(`unknown flow "${unknown}"\n${USAGE}`);
  const flows = requested as FlowName[];
  const { log, progress, end: endProgress } = benchOutput('flows');
  const stopStack = await useLocalStackOutsideVitest(log);
  try {
    const report = await runFlowsBench({
      ...FULL_SIZE,
      customers: positive('customers', values.customers, FULL_SIZE.customers),
      floodSeconds: positive('flood', values.flood, FULL_SIZE.floodSeconds),
      pacedSeconds: positive('paced', values.paced, FULL_SIZE.pacedSeconds),
      flows,
      log,
      progress,
    });
    endProgress();
    const file = await writeReport('flows', report.date, report);
    console.log(formatFlowsReport(report));
    console.log(`\nresults: ${file}`);
    return report.flows.some((f) => f.verified.lost + f.verified.doubled > 0) ? 1 : 0;
  } finally {
    await stopStack();
  }
}

runBenchCommand('flows', main);

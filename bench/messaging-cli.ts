/**
 * `./switchboard bench messaging [--database pglite|postgres]…`: the messaging benchmark
 * (bench/messaging.ts) on the local stack, started where it is not running. Prints the summary,
 * writes bench-results/messaging-<time>.json, and exits 1 when a hop lost or doubled a record.
 */
import { parseArgs } from 'node:util';
import { resolveEndpoints } from '@switchboard/stack';
import { useLocalStackOutsideVitest } from '@switchboard/testing';
import { type DatabaseName, formatMessagingReport, FULL_SIZE, runMessagingBench } from './messaging.ts';
import { benchOutput, runBenchCommand, writeReport } from './output.ts';

const USAGE = 'usage: ./switchboard bench messaging [--database pglite|postgres (both)]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: { database: { type: 'string', multiple: true } },
  });
  const requested = values.database ?? FULL_SIZE.databases;
  const unknown = requested.find((name) => name !== 'pglite' && name !== 'postgres');
  if (unknown !== undefined) throw new Error(`unknown database "${unknown}"\n${USAGE}`);
  const { log, progress, end } = benchOutput('messaging');
  const stopStack = await useLocalStackOutsideVitest(log);
  try {
    const report = await runMessagingBench({
      ...FULL_SIZE,
      endpoints: resolveEndpoints(),
      databases: requested as DatabaseName[],
      log,
      progress,
    });
    end();
    const file = await writeReport('messaging', report.date, report);
    console.log(formatMessagingReport(report));
    console.log(`\nresults: ${file}`);
    return report.hops.some((h) => h.verified.arrived < h.verified.produced || h.verified.doubled > 0)
      ? 1
      : 0;
  } finally {
    await stopStack();
  }
}

runBenchCommand('messaging', main);

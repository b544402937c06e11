import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos.ts';
import { formatReport } from './report.ts';

/**
 * The chaos run at a small size: every fault of `./switchboard chaos`, one at a time, while the
 * flows run, with shorter quiet times and outages than the manual run's. It runs in a project of
 * its own, after the others, since it restarts the shared broker.
 */
describe('the chaos run', () => {
  it('loses nothing and doubles nothing through every fault', async () => {
    const report = await runChaos({
      flows: 30,
      spacingMs: 1000,
      warmupMs: 5000,
      downMs: 1000,
      registryOutageMs: 10_000,
      smtpOutageMs: 10_000,
      drainTimeoutMs: 300_000,
      log: (line) => process.stderr.write(`[chaos] ${line}\n`),
    });
    process.stderr.write(`${formatReport(report)}\n`);

    // Every fault was injected (the broker restart only where Kafka is the local stack's).
    const injected = report.faults.filter((f) => !f.skipped).map((f) => f.name);
    expect(injected).toEqual(
      expect.arrayContaining([
        'kill -9 orders',
        'kill -9 conference-bridge',
        'kill -9 crm',
        'kill -9 billing (process 1 of 2)',
        'kill -9 billing (process 2 of 2)',
        'kill -9 mailing (process 1 of 2)',
        'kill -9 mailing (process 2 of 2)',
        'PostgreSQL unreachable for 30 s',
        'schema registry unreachable for 10 s',
        'SMTP server unreachable for 10 s',
      ]),
    );
    expect(report.size).toMatchObject({ flows: 30, calls: 30, customers: 6 });
    expect(report.size.invoices).toBe(6);
    // Nothing lost, nothing doubled, at every step.
    expect(report.checks.filter((c) => c.lost > 0 || c.duplicated > 0)).toEqual([]);
    expect(report.checks.every((c) => c.found === c.expected)).toBe(true);
    expect([report.lost, report.duplicated]).toEqual([0, 0]);
  });
});

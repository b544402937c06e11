import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../test/e2e/system.ts';
import { formatFlowsReport, runFlowsBench } from './flows.ts';
import { missingFigures } from './stats.ts';

describe('the flows benchmark at a tiny size', () => {
  it('runs both flows end to end through the APIs, finds every flow complete once, and reports every figure', async () => {
    const lines: string[] = [];
    const report = await runFlowsBench({
      customers: 3,
      floodSeconds: 2,
      pacedSeconds: 2,
      idleSeconds: 1,
      drainTimeoutMs: 120_000,
      log: (line) => lines.push(line),
      progress: () => undefined,
    });

    expect(missingFigures(report)).toEqual([]);
    expect(Object.keys(report.services).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const service of Object.values(report.services)) {
      expect(service.startupMs).toBeGreaterThan(0);
      expect(service.idleRssMb).toBeGreaterThan(20);
    }
    expect(report.flows.map((f) => f.flow)).toEqual(['callToInvoice', 'booking']);
    for (const flow of report.flows) {
      expect(flow.verified.flows).toBeGreaterThan(10);
      expect(flow.verified).toEqual({
        flows: flow.verified.flows,
        complete: flow.verified.flows,
        lost: 0,
        doubled: 0,
      });
      expect(flow.maxPerSecond).toBeGreaterThan(0);
      expect(flow.phases.map((p) => p.phase)).toEqual(['maximum', '0.25 of maximum', '0.5 of maximum']);
      for (const phase of flow.phases) {
        expect(phase.endToEnd.count).toBe(phase.flows);
        expect(phase.endToEnd.p99Ms).toBeGreaterThanOrEqual(phase.endToEnd.p50Ms);
        for (const hop of Object.values(phase.hops)) expect(hop.count).toBe(phase.flows);
        for (const name of [...SERVICE_NAMES, 'load generator', 'postgresql', 'kafka', 'smtp server']) {
          expect(phase.usage.processes[name]?.rssMaxMb, name).toBeGreaterThan(0);
        }
        expect(phase.usage.machineCpuPercent).toBeGreaterThan(0);
      }
    }
    const table = formatFlowsReport(report);
    expect(table).toContain('call → invoice line');
    expect(table).toContain('idle RSS');
  }, 600_000);
});

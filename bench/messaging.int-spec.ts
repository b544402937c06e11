import { stackEndpoints } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';
import { formatMessagingReport, runMessagingBench } from './messaging.ts';
import { missingFigures } from './stats.ts';

describe('the messaging benchmark at a tiny size', () => {
  it('runs the ceiling and the hop on the bus and on the NestJS transport on both databases, every record arriving once', async () => {
    const report = await runMessagingBench({
      endpoints: stackEndpoints(),
      ceilingEvents: 1_000,
      backlog: { bus: 400, nestjs: 200 },
      pacedSeconds: 1,
      databases: ['pglite', 'postgres'],
      log: () => undefined,
      progress: () => undefined,
    });

    expect(missingFigures(report)).toEqual([]);
    expect(report.ceiling.events).toBe(1_000);
    expect(report.hops.map((h) => `${h.transport} on ${h.database}`)).toEqual([
      'bus on pglite',
      'nestjs on pglite',
      'bus on postgres',
      'nestjs on postgres',
    ]);
    for (const hop of report.hops) {
      expect(hop.verified).toEqual({
        produced: hop.verified.produced,
        arrived: hop.verified.produced,
        doubled: 0,
      });
      expect(hop.verified.produced).toBeGreaterThan(hop.backlog);
      expect(hop.maxEventsPerSecond).toBeGreaterThan(0);
      expect(hop.paced.length).toBeGreaterThanOrEqual(2);
      for (const paced of hop.paced) expect(paced.latency.p99Ms).toBeGreaterThanOrEqual(paced.latency.p50Ms);
    }
    expect(report.busOverNest.map((c) => c.database)).toEqual(['pglite', 'postgres']);
    const summary = formatMessagingReport(report);
    expect(summary).toContain('NestJS Kafka transport on PostgreSQL');
    expect(summary).toContain('bus / NestJS Kafka transport on postgres');
  }, 600_000);
});

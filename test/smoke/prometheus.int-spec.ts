import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SLI_RECORD, TOPICS } from '@switchboard/contracts';
import { Metrics } from '@switchboard/observability';
import { promtool, rulesFile, stackPaths, writeScrapeTargets } from '@switchboard/stack';
import { stackEndpoints, waitFor } from '@switchboard/testing';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const paths = stackPaths();
const prometheusUrl = stackEndpoints().prometheusUrl;

/** One instant query of Prometheus's HTTP API. */
async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(
    `${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`,
    {
      signal: AbortSignal.timeout(5000),
    },
  );
  const body = (await response.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
}

describe('Prometheus', () => {
  it("checks and unit-tests the catalog's rules with promtool", async () => {
    const tool = await promtool();
    const check = await run(tool, ['check', 'rules', rulesFile(paths)]);
    const topics = Object.keys(TOPICS).length;
    expect(check.stdout).toContain(`SUCCESS: ${topics * 4 + 2} rules found`);
    const tests = join(
      import.meta.dirname,
      '..',
      '..',
      'packages',
      'contracts',
      'test',
      'prometheus-rules.test.yml',
    );
    const tested = await run(tool, ['test', 'rules', tests]);
    expect(tested.stdout).toContain('SUCCESS');
  });

  it("has loaded the catalog's rules: an objective alert for every topic", async () => {
    const response = await fetch(`${prometheusUrl}/api/v1/rules?type=alert`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as {
      data: { groups: { rules: { name: string; labels: Record<string, string> }[] }[] };
    };
    const alerted = body.data.groups
      .flatMap((g) => g.rules)
      .filter((r) => r.name === 'EventLatencyObjectiveMissed')
      .map((r) => r.labels.topic);
    expect(alerted.sort()).toEqual(Object.keys(TOPICS).sort());
  });

  describe('scraping a process named in the targets folder', () => {
    const service = `smoke-${randomUUID().slice(0, 8)}`;
    const metrics = new Metrics({ service, collectDefault: false, latencyObjectivesSeconds: [2] });
    let server: Server | undefined;
    const authorizations: (string | undefined)[] = [];

    afterAll(async () => {
      await writeScrapeTargets(paths, service, []);
      await new Promise((resolve) => server?.close(resolve));
    });

    it('scrapes it with a token and records the share of events within the objective', async () => {
      server = createServer((request, response) => {
        authorizations.push(request.headers.authorization);
        void metrics.text().then((text) => {
          response.writeHead(200, { 'Content-Type': metrics.contentType }).end(text);
        });
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await writeScrapeTargets(paths, service, [{ service, address: `127.0.0.1:${port}` }]);
      const topic = 'orders.order-placed.v1';
      // Three of every four events within the 2 s objective, for as long as the test waits.
      const feed = setInterval(() => {
        for (const age of [100, 900, 1900, 4000]) metrics.messaging.eventAge(topic, age);
      }, 500);
      try {
        const [sample] = await waitFor(
          async () => {
            const result = await query(`${SLI_RECORD}{service="${service}"}`);
            return result.length > 0 ? result : undefined;
          },
          { description: 'the SLI recorded for the scraped process', timeoutMs: 90_000, intervalMs: 2000 },
        );
        expect(sample?.metric).toMatchObject({ service, topic });
        expect(Number(sample?.value[1])).toBeCloseTo(0.75, 1);
      } finally {
        clearInterval(feed);
      }
      expect(authorizations.at(-1)).toMatch(/^Bearer \S+$/);
      const [up] = await query(`up{service="${service}"}`);
      expect(up?.value[1]).toBe('1');
    });
  });
});

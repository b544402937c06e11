import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scopesOf } from '@switchboard/contracts';
import { ensureSchemathesis } from '@switchboard/stack';
import {
  accessToken,
  createTestTopics,
  startTestService,
  type TestService,
  type TestTopics,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES_UNDER_TEST } from '../support/services.ts';

/**
 * Generated requests per route and phase: Schemathesis's examples, its coverage phase (boundary
 * and invalid values of every parameter) and this many property-based cases, valid and invalid.
 * FUZZ_EXAMPLES raises it for a longer run by hand.
 */
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 25);
const HOOKS = join(import.meta.dirname, 'problem_details.py');

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: { readonly format?: string };
}

/**
 * Cursors no list handed out, each well-formed base64url JSON, as a client that decoded one and
 * edited it would send: positions of either shape with values the database cannot take (year 0, an
 * integer beyond a bigint's or JavaScript's range, a negative one), and the wrong kinds.
 */
const FORGED_CURSORS = [
  ['0000-01-01T00:00:00Z', 1],
  ['2031-01-01T00:00:00Z', 2 ** 63],
  ['2031-01-01T00:00:00Z', -1],
  [2 ** 63],
  [-1],
  [1, 2, 3],
  ['x'],
  { seq: 1 },
  'cursor',
].map((position) => Buffer.from(JSON.stringify(position)).toString('base64url'));

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command in `cwd` (where Schemathesis keeps its files) to its end, at most 5 minutes. */
function run(command: readonly string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const [file, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.join('') });
    });
  });
}

describe.each(Object.values(SERVICES_UNDER_TEST))(
  'the OpenAPI document of $definition.name, fuzzed',
  (service) => {
    let topics: TestTopics;
    let api: TestService;
    let schemathesis: readonly string[];
    let reports: string;

    beforeAll(async () => {
      schemathesis = await ensureSchemathesis();
      reports = await mkdtemp(join(tmpdir(), 'fuzz-'));
      topics = await createTestTopics();
      api = await startTestService(service.definition, {
        topics,
        ...(service.config ? { config: service.config() } : {}),
        // The fuzzer's requests are not to be refused for their number.
        security: { rateLimits: { read: 1_000_000, write: 1_000_000, bulk: 1_000_000 } },
      });
    }, 180_000);

    afterAll(async () => {
      await api?.stop();
      await topics?.cleanup();
      if (reports) await rm(reports, { recursive: true, force: true });
    });

    it('answers every generated request, valid or not, without a 5xx, and every 4xx as problem+json', async () => {
      const token = await accessToken(scopesOf(service.definition.name));
      const report = join(reports, 'report.json');
      const { code, output } = await run(
        [
          ...schemathesis,
          'run',
          `${api.url}/docs/openapi.json`,
          '--checks',
          // Ours (problem_details.py) runs only when named.
          'not_a_server_error,problem_details_on_4xx',
          '--phases',
          'examples,coverage,fuzzing',
          '--max-examples',
          String(EXAMPLES),
          '--workers',
          '1',
          '--generation-database',
          'none',
          '--request-timeout',
          '30',
          '--no-color',
          '--report',
          'json',
          '--report-json-path',
          report,
          '-H',
          `Authorization: Bearer ${token}`,
        ],
        reports,
        { SCHEMATHESIS_HOOKS: HOOKS },
      );
      // The whole report when anything failed: each failure with its request, reproducible by curl.
      expect(code, output).toBe(0);
      // Every route of the document was reached, with hundreds of requests in all.
      const summary = JSON.parse(await readFile(report, 'utf8')) as {
        operations: { total: number; tested: number; errored: number };
        test_cases: { generated: number; with_failures: number };
      };
      expect(summary.operations.total, output).toBeGreaterThan(0);
      expect(summary.operations, output).toMatchObject({ tested: summary.operations.total, errored: 0 });
      expect(summary.test_cases.generated).toBeGreaterThan(summary.operations.total * 10);
      expect(summary.test_cases.with_failures).toBe(0);
    }, 360_000);

    it('answers a forged cursor on every list with 400 INVALID_CURSOR, never by running the query', async () => {
      const document = (await (await api.request('/docs/openapi.json')).json()) as {
        paths: Record<string, Record<string, { parameters?: Parameter[] }>>;
      };
      const lists = Object.entries(document.paths).flatMap(([path, methods]) =>
        (methods.get?.parameters ?? []).some((p) => p.in === 'query' && p.name === 'cursor')
          ? [{ path, parameters: methods.get?.parameters ?? [] }]
          : [],
      );
      expect(lists.length).toBeGreaterThan(0);
      for (const list of lists) {
        // The list's required query parameters, the date-times among them in increasing order.
        const required = list.parameters.filter((p) => p.in === 'query' && p.required);
        const query = required.map((p, i) => {
          expect(p.schema?.format, `${list.path}: a required ${p.name} this test can fill`).toBe('date-time');
          return `${p.name}=2031-0${i + 1}-01T00:00:00Z`;
        });
        for (const cursor of FORGED_CURSORS) {
          const response = await api.request(`${list.path}?${[...query, `cursor=${cursor}`].join('&')}`);
          const what = `${list.path} with cursor ${Buffer.from(cursor, 'base64url').toString()}`;
          expect(response.status, what).toBe(400);
          expect(response.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
          expect(((await response.json()) as { code: string }).code, what).toBe('INVALID_CURSOR');
        }
      }
    });
  },
);

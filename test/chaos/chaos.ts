/**
 * The chaos run: the whole system as a deployment runs it (five services, two processes each of
 * billing and mailing behind a balancer, every service on its own PostgreSQL database), business
 * flows driven through the public APIs at a steady pace, and faults injected one at a time; then
 * it waits for the system to drain and counts, through the APIs, the mail server and the topics,
 * what was lost and what was doubled.
 *
 * The run has its own topics (a prefix), databases and mail addresses, and reaches PostgreSQL,
 * the schema registry and the SMTP server through fault proxies, so those outages touch only it.
 * The broker restart is real: it restarts the local stack's Kafka, which every client of the
 * stack notices (they reconnect); it is skipped where Kafka is not the local stack's.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventOf } from '@switchboard/contracts';
import { down, LOCAL_ENDPOINTS, up } from '@switchboard/stack';
import {
  Balancer,
  createTestDatabase,
  FaultProxy,
  stackEndpoints,
  type TestDatabase,
} from '@switchboard/testing';
import { SERVICE_NAMES, type ServiceName, startSystem, type System } from '../e2e/system.ts';
import { Api } from './api.ts';
import { type Customer, Load } from './load.ts';
import { reconcile } from './reconcile.ts';
import {
  type ChaosReport,
  type FaultResult,
  inFlight,
  longestPause,
  peakInFlight,
  type Timeline,
} from './report.ts';
import { Watcher } from './watcher.ts';

const REPLICAS = { billing: 2, mailing: 2 } as const;

export interface ChaosOptions {
  /** Business flows: each a booking and a call on it; a new customer every fifth. */
  readonly flows: number;
  /** Quiet time after each fault is lifted, before the next. */
  readonly spacingMs?: number;
  /** Before the first fault: the flows without faults, to compare with. */
  readonly warmupMs?: number;
  /** How long a killed process stays down before it is started again (its supervisor's delay). */
  readonly downMs?: number;
  readonly postgresOutageMs?: number;
  readonly registryOutageMs?: number;
  readonly smtpOutageMs?: number;
  /** How long, at most, to wait for the system to drain before counting what is missing. */
  readonly drainTimeoutMs?: number;
  /** Where to write each process's output at the end (`<service>[#n].log`), if anywhere. */
  readonly logsDir?: string;
  readonly log?: (line: string) => void;
}

interface MonthEnd {
  readonly closes: readonly { readonly period: string; readonly id: string }[];
  readonly campaignId: string;
}

interface Fault {
  readonly name: string;
  /** Its nominal length, to pace the flows so that they run through every fault. */
  readonly nominalMs: number;
  readonly skipped?: string;
  /** Injects it and resolves once it is lifted. */
  run(): Promise<void>;
}

/** The local stack's broker, stopped and started as an operator restarts it. */
async function restartBroker(log: (line: string) => void): Promise<void> {
  await down({ only: ['kafka'], log });
  await up({ only: ['kafka'], log });
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const settings = {
    flows: options.flows,
    spacingMs: options.spacingMs ?? 10_000,
    warmupMs: options.warmupMs ?? 10_000,
    downMs: options.downMs ?? 2000,
    postgresOutageMs: options.postgresOutageMs ?? 30_000,
    registryOutageMs: options.registryOutageMs ?? 20_000,
    smtpOutageMs: options.smtpOutageMs ?? 20_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 600_000,
  };
  const runId = randomUUID().slice(0, 8);
  const endpoints = stackEndpoints();
  const runStart = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];

  try {
    // Each service its own database, reached through one proxy: the PostgreSQL outage.
    const postgres = await FaultProxy.for(endpoints.postgresUrl);
    const registry = await FaultProxy.for(endpoints.schemaRegistryUrl);
    const smtp = await FaultProxy.for(endpoints.smtpUrl);
    cleanups.push(
      () => postgres.stop(),
      () => registry.stop(),
      () => smtp.stop(),
    );
    const databases = {} as Record<ServiceName, TestDatabase>;
    for (const name of SERVICE_NAMES) {
      databases[name] = await createTestDatabase(endpoints.postgresUrl, `chaos_${name.replace('-', '_')}`);
      cleanups.push(() => databases[name].drop());
    }
    const billingBalancer = await Balancer.start();
    const mailingBalancer = await Balancer.start();
    cleanups.push(
      () => billingBalancer.stop(),
      () => mailingBalancer.stop(),
    );

    log(`starting the system (run ${runId}): ${SERVICE_NAMES.join(', ')}; billing and mailing twice`);
    const common = (name: ServiceName): Record<string, string> => ({
      DATABASE_URL: postgres.rewrite(databases[name].url),
      SCHEMA_REGISTRY_URL: registry.rewrite(endpoints.schemaRegistryUrl),
      // The load is one client: limits sized for it, as an operator sizes them for a PBX collector.
      RATE_LIMIT_READ_PER_MINUTE: '100000',
      RATE_LIMIT_WRITE_PER_MINUTE: '100000',
    });
    // Both mailing processes print to one spool, as to one printer share.
    const spool = await mkdtemp(join(tmpdir(), `chaos-${runId}-print-spool-`));
    cleanups.push(() => rm(spool, { recursive: true, force: true }));
    const running = await startSystem(
      SERVICE_NAMES,
      {
        crm: common('crm'),
        orders: common('orders'),
        'conference-bridge': common('conference-bridge'),
        billing: { ...common('billing'), PUBLIC_URL: billingBalancer.url },
        mailing: {
          ...common('mailing'),
          BILLING_URL: billingBalancer.url,
          SMTP_URL: smtp.rewrite(endpoints.smtpUrl),
          PRINT_SPOOL_DIR: spool,
        },
      },
      { replicas: REPLICAS },
    );
    cleanups.unshift(async () => {
      if (options.logsDir) await writeLogs(options.logsDir, running);
      await running.stop();
    });
    billingBalancer.route(running.urls.billing);
    mailingBalancer.route(running.urls.mailing);

    const api = new Api({
      crm: running.url.crm,
      orders: running.url.orders,
      'conference-bridge': running.url['conference-bridge'],
      billing: billingBalancer.url,
      mailing: mailingBalancer.url,
    });
    const watcher = new Watcher(running.topics.messaging);
    await watcher.start();
    cleanups.unshift(() => watcher.stop());

    // A killed process is back once Kafka gave up on its old member: the session timeout, 30 s.
    let killMs = 30_000;
    const kill = (name: ServiceName, replica = 0): Fault => {
      const count = REPLICAS[name as keyof typeof REPLICAS];
      return {
        name: `kill -9 ${name}${count ? ` (process ${replica + 1} of ${count})` : ''}`,
        get nominalMs() {
          return killMs;
        },
        async run() {
          const at = Date.now();
          await running.kill(name, replica);
          await sleep(settings.downMs);
          await running.restart(name, replica);
          killMs = Date.now() - at;
        },
      };
    };
    /** `meanwhile`: work started once the server is cut off, within the outage. */
    const outage = (what: string, proxy: FaultProxy, ms: number, meanwhile?: () => Promise<void>): Fault => ({
      name: `${what} unreachable for ${Math.round(ms / 1000)} s`,
      nominalMs: ms,
      async run() {
        await proxy.cut();
        const cut = Date.now();
        await meanwhile?.();
        await sleep(Math.max(0, ms - (Date.now() - cut)));
        await proxy.restore();
      },
    });
    // Kafka of the local stack (not one named by KAFKA_BROKERS, nor a container's).
    const localBroker = endpoints.kafkaBrokers.join() === LOCAL_ENDPOINTS.kafkaBrokers.join();
    const broker: Fault = {
      name: 'broker restart',
      nominalMs: 25_000,
      ...(localBroker ? {} : { skipped: 'Kafka is not the local stack’s' }),
      run: () => restartBroker(() => undefined),
    };
    // While bookings and calls flow; then during the period close and the campaign.
    const duringFlows: Fault[] = [
      kill('orders'),
      kill('conference-bridge'),
      kill('billing', 0),
      outage('PostgreSQL', postgres, settings.postgresOutageMs),
      kill('crm'),
      outage('schema registry', registry, settings.registryOutageMs),
      kill('mailing', 0),
      broker,
    ];
    // The month-end starts as the SMTP server goes away, so its emails wait for it; the kills
    // follow while mailing sends them (fetching each PDF from billing).
    const monthEnd: { started?: Promise<MonthEnd> } = {};
    const duringClose: Fault[] = [
      outage('SMTP server', smtp, settings.smtpOutageMs, async () => {
        monthEnd.started = startMonthEnd();
        await monthEnd.started;
      }),
      kill('mailing', 1),
      kill('billing', 1),
    ];

    const load = new Load(api, runId, log);
    const results: FaultResult[] = [];
    const injections: number[] = [];
    const timelines = (): Timeline[] => timelinesOf(load, watcher, stage2);
    let lastLifted = runStart;
    const inject = async (faults: readonly Fault[], pauseMs: number): Promise<void> => {
      for (const fault of faults) {
        if (fault.skipped) {
          results.push({
            name: fault.name,
            at: 0,
            lastedMs: 0,
            inFlight: 0,
            maxPause: { ms: 0, kind: null },
            skipped: fault.skipped,
          });
          continue;
        }
        const at = Date.now();
        injections.push(at);
        log(`fault: ${fault.name} (${inFlight(timelines(), at)} pieces of work in flight)`);
        await fault.run();
        lastLifted = Date.now();
        results.push({
          name: fault.name,
          at: at - runStart,
          lastedMs: lastLifted - at,
          inFlight: 0,
          maxPause: { ms: 0, kind: null },
        });
        await sleep(pauseMs);
      }
    };

    const stage2: { campaignAt?: number; expectedLetters: number } = { expectedLetters: 0 };
    // The flows are spread over the faults: the pace follows how long the faults still to come take.
    const faultsStart = Date.now() + settings.warmupMs;
    const stillToCome = (): number =>
      duringFlows
        .filter((f) => !f.skipped)
        .slice(results.filter((r) => !r.skipped).length)
        .reduce((sum, f) => sum + f.nominalMs + settings.spacingMs, 0);
    const pace = (left: number): number =>
      Math.max(0, (Math.max(faultsStart, Date.now()) + stillToCome() - Date.now()) / left);
    log(
      `driving ${options.flows} flows through ${duringFlows.length} faults, at first one every ${Math.round(pace(options.flows))} ms`,
    );
    await Promise.all([
      load.run(options.flows, pace),
      sleep(settings.warmupMs).then(() => inject(duringFlows, settings.spacingMs)),
    ]);
    log(
      `flows in: ${load.bookings.length} bookings, ${load.calls.length} calls reported; waiting for billing`,
    );
    const progress = (): void => log(progressOf(load, watcher));
    await until(
      () => load.calls.every((c) => charged(watcher).has(c.callId)),
      settings.drainTimeoutMs,
      progress,
    );

    // The month-end: close every period of the run's calls, and mail a campaign to the customers in
    // Luxembourg (once mailing knows them all: a campaign's audience is who it knows then).
    const audience = (): Customer[] => load.customers.filter((c) => c.country === 'LU');
    async function startMonthEnd(): Promise<MonthEnd> {
      stage2.expectedLetters = audience().filter((c) => c.marketingConsent).length;
      const closes = await Promise.all(
        load.periods.map(async (period) => {
          const body = await api.expect(
            202,
            'billing',
            'POST',
            `/v1/billing-periods/${period}/close`,
            {},
            {},
          );
          return { period, id: String(body.id) };
        }),
      );
      const campaign = await api.expect(
        202,
        'mailing',
        'POST',
        '/v1/campaigns',
        {
          name: `Chaos ${runId}: new conference rates`,
          letter: { template: 'Dear {{customer.name}},\n\nfrom next month your conferences cost less.' },
          notice: {
            subject: 'A letter is on its way to {{customer.name}}',
            template: 'Hello {{customer.name}}, a letter about "{{campaign.name}}" is on its way.',
          },
          audience: { segments: ['SMALL_BUSINESS'], countries: ['LU'] },
          expectedDeliveryDate: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
        },
        { 'Idempotency-Key': randomUUID() },
      );
      stage2.campaignAt = Date.now();
      const campaignId = String(campaign.id);
      log(`period close of ${closes.map((c) => c.period).join(', ')} and campaign ${campaignId} started`);
      return { closes, campaignId };
    }

    for (const customer of audience()) {
      await until(
        async () => (await api.send('mailing', 'GET', `/v1/contacts/${customer.id}`)).status === 200,
        settings.drainTimeoutMs,
      );
    }
    await inject(duringClose, 2000);
    if (!monthEnd.started) throw new Error('the month-end did not start');
    const { closes, campaignId } = await monthEnd.started;
    const lastInput = stage2.campaignAt ?? Date.now();

    log('all faults lifted; waiting for the system to drain');
    await until(
      async () => {
        for (const close of closes) {
          const state = await api.send(
            'billing',
            'GET',
            `/v1/billing-periods/${close.period}/closes/${close.id}`,
          );
          if (state.body.status !== 'COMPLETED') return false;
        }
        const done =
          (await api.send('mailing', 'GET', `/v1/campaigns/${campaignId}`)).body.status === 'COMPLETED';
        return done && complete(load, watcher);
      },
      settings.drainTimeoutMs,
      progress,
    );

    // Pauses: each fault's, from its injection to the next one's (the last one's: to the drain).
    const lines = timelines();
    const lastEnd = Math.max(...lines.flatMap((l) => l.ends), lastLifted);
    let injected = 0;
    for (const [i, result] of results.entries()) {
      if (result.skipped) continue;
      const from = injections[injected] ?? 0;
      const to = injections[injected + 1] ?? lastEnd;
      injected += 1;
      results[i] = {
        ...result,
        inFlight: peakInFlight(lines, from, from + result.lastedMs),
        maxPause: longestPause(lines, from, to),
      };
    }
    const checks = await reconcile({
      api,
      load,
      watcher,
      system: running,
      closes,
      campaignId,
      audience: audience(),
    });
    return {
      startedAt: new Date(runStart).toISOString(),
      settings,
      size: {
        flows: options.flows,
        customers: load.customers.length,
        calls: load.calls.length,
        invoices: watcher.distinct('billing.invoice-issued.v1', (e) => e.invoiceId).size,
        campaignRecipients: audience().length,
      },
      faults: results,
      baselinePause: longestPause(lines, runStart, injections[0] ?? lastEnd),
      checks: [
        ...checks,
        ...(load.failures.length > 0
          ? [
              {
                name: `flows that failed (${load.failures[0]})`,
                expected: 0,
                found: load.failures.length,
                lost: load.failures.length,
                duplicated: 0,
              },
            ]
          : []),
      ],
      lost: checks.reduce((sum, c) => sum + c.lost, 0) + load.failures.length,
      duplicated: checks.reduce((sum, c) => sum + c.duplicated, 0),
      drainMs: Math.max(0, lastEnd - Math.max(lastLifted, lastInput)),
      durationMs: Date.now() - runStart,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

/** Calls billing charged, by call id. */
const charged = (watcher: Watcher) => watcher.distinct('billing.call-charged.v1', (e) => e.callId);

type MessageKind = EventOf<'mailing.message-sent.v1'>['kind'];

/** Messages mailing sent of one kind, by message id. */
const sentOf = (watcher: Watcher, kind: MessageKind) =>
  watcher.distinct(
    'mailing.message-sent.v1',
    (e) => e.messageId,
    (e) => e.kind === kind,
  );

/** True once every flow has reached its end: the drain is over. */
function complete(load: Load, watcher: Watcher): boolean {
  const sent = (kind: MessageKind): number => sentOf(watcher, kind).size;
  const confirmed = load.bookings.filter((b) => b.status === 'CONFIRMED').length;
  const invoices = watcher.distinct('billing.invoice-issued.v1', (e) => e.invoiceId).size;
  return (
    sent('BOOKING_CONFIRMATION') >= confirmed &&
    charged(watcher).size >= load.calls.length &&
    sent('INVOICE') >= invoices &&
    watcher.events('mailing.campaign-completed.v1').length > 0
  );
}

/** The work of the flows, kind by kind: when each piece started and when each was done. */
function timelinesOf(
  load: Load,
  watcher: Watcher,
  stage2: { campaignAt?: number; expectedLetters: number },
): Timeline[] {
  const sent = (kind: MessageKind): number[] => [...sentOf(watcher, kind).values()].map((m) => m.first);
  const letters = sent('CAMPAIGN_LETTER');
  return [
    {
      kind: 'booking → confirmation email',
      starts: load.bookings.filter((b) => b.status !== 'REJECTED').map((b) => b.askedAt),
      ends: sent('BOOKING_CONFIRMATION'),
    },
    {
      kind: 'call → charge',
      starts: load.calls.map((c) => c.reportedFrom),
      ends: [...charged(watcher).values()].map((c) => c.first),
    },
    {
      kind: 'invoice → email',
      starts: [...watcher.distinct('billing.invoice-issued.v1', (e) => e.invoiceId).values()].map(
        (i) => i.first,
      ),
      ends: sent('INVOICE'),
    },
    {
      kind: 'campaign → letter',
      starts:
        stage2.campaignAt === undefined ? [] : Array<number>(stage2.expectedLetters).fill(stage2.campaignAt),
      ends: letters,
    },
    { kind: 'letter → notice email', starts: letters, ends: sent('CAMPAIGN_NOTICE') },
  ];
}

/**
 * Polls `probe` every second until it holds or `timeoutMs` passed (then the counts tell what is
 * missing), calling `progress` every 15 s meanwhile.
 */
async function until(
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  progress?: () => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let told = Date.now();
  for (;;) {
    if (await Promise.resolve(probe()).catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    if (progress && Date.now() - told >= 15_000) {
      progress();
      told = Date.now();
    }
    await sleep(1000);
  }
}

/** How far the flows got, for the progress lines. */
function progressOf(load: Load, watcher: Watcher): string {
  const sent = (kind: MessageKind): number => sentOf(watcher, kind).size;
  const confirmed = load.bookings.filter((b) => b.status === 'CONFIRMED').length;
  return [
    `bookings ${load.bookings.length} (confirmed ${confirmed}, emailed ${sent('BOOKING_CONFIRMATION')})`,
    `calls reported ${load.calls.length} (charged ${charged(watcher).size})`,
    `invoices ${watcher.distinct('billing.invoice-issued.v1', (e) => e.invoiceId).size} (emailed ${sent('INVOICE')})`,
    `letters ${sent('CAMPAIGN_LETTER')}, notices ${sent('CAMPAIGN_NOTICE')}`,
  ].join(' · ');
}

async function writeLogs(dir: string, system: System): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of SERVICE_NAMES) {
    for (let replica = 0; replica < (REPLICAS[name as keyof typeof REPLICAS] ?? 1); replica++) {
      await writeFile(
        join(dir, `${name}${replica === 0 ? '' : `#${replica}`}.log`),
        system.log(name, replica),
      );
    }
  }
}

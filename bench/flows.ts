/**
 * `./switchboard bench flows`: whole business flows through the public interfaces of the system
 * as `./switchboard up` runs it — the five services, each its own process on its own PostgreSQL
 * database, with Kafka ACLs and OAuth 2.0 as configured — driven by a load generator in this
 * process:
 *
 * - call → invoice line: a PBX collector imports call-detail records in batches
 *   (`POST /v1/calls/cdr`) → conference.call-completed → billing rates each call and adds it to the
 *   customer's open invoice → billing.call-charged → crm's billing summary takes it in;
 * - booking: `POST /v1/orders` → orders.order-placed → the bridge reserves (conference.bridge-reserved)
 *   → the order is confirmed (orders.order-confirmed) and the confirmation email sent
 *   (mailing.message-sent).
 *
 * For each flow: the sustained maximum (a flood of flows for a while; completions per second
 * between the 10th and 90th percentile of completions, once every flow is done), then paced runs
 * at a quarter and a half of it with end-to-end and per-hop latency. Each hop is timed by when its
 * event was published (the record's timestamp); crm's, which publishes nothing, by when crm's
 * consumer group committed past the charge (polled every 25 ms). Every flow is checked complete,
 * once, by the events and through the APIs: a benchmark of a broken system fails.
 */
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TopicName } from '@switchboard/contracts';
import { createTestDatabase, stackEndpoints, type TestDatabase } from '@switchboard/testing';
import { Api, type Body } from '../test/chaos/api.ts';
import { type Seen, Watcher } from '../test/chaos/watcher.ts';
import { SERVICE_NAMES, type ServiceName, startSystem, type System } from '../test/e2e/system.ts';
import { residentBytes, sampleUsage, single, stackProcesses, type Usage, type Watched } from './resources.ts';
import { distribution, type Distribution, round } from './stats.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const FLOW_TOPICS = [
  'orders.order-placed.v1',
  'conference.bridge-reserved.v1',
  'orders.order-confirmed.v1',
  'conference.call-completed.v1',
  'billing.call-charged.v1',
  'mailing.message-sent.v1',
] as const satisfies readonly TopicName[];

export interface FlowsOptions {
  /** Customers, each with a contract and a booked conference whose access code its calls use. */
  readonly customers: number;
  /** How long the flood that measures the maximum offers flows. */
  readonly floodSeconds: number;
  /** How long each paced run offers flows. */
  readonly pacedSeconds: number;
  /** How long the system idles after start-up before its resident memory is read. */
  readonly idleSeconds: number;
  /** The longest wait for a phase's flows to complete. */
  readonly drainTimeoutMs: number;
  /** Which flows to run (default both). */
  readonly flows?: readonly FlowName[];
  readonly log: (line: string) => void;
  /** The progress line, about once a second. */
  readonly progress: (line: string) => void;
}

export const FULL_SIZE: Omit<FlowsOptions, 'log' | 'progress'> = {
  customers: 200,
  floodSeconds: 20,
  pacedSeconds: 20,
  idleSeconds: 20,
  drainTimeoutMs: 600_000,
};

export type FlowName = 'callToInvoice' | 'booking';

export interface PhaseResult {
  readonly phase: string;
  /** Flows per second the generator offered (for the flood: what it managed to send). */
  readonly offeredPerSecond: number;
  /** Flows completed per second (for the flood: between its 10th and 90th percentile of completions). */
  readonly achievedPerSecond: number;
  readonly flows: number;
  readonly endToEnd: Distribution;
  readonly hops: Record<string, Distribution>;
  readonly usage: Usage;
}

export interface FlowResult {
  readonly flow: FlowName;
  readonly description: string;
  readonly maxPerSecond: number;
  readonly phases: readonly PhaseResult[];
  /** Every flow of the run, checked: complete, lost (not complete when the drain ended), doubled. */
  readonly verified: {
    readonly flows: number;
    readonly complete: number;
    readonly lost: number;
    readonly doubled: number;
  };
}

export interface FlowsReport {
  readonly date: string;
  readonly node: string;
  readonly machine: { readonly cores: number; readonly memoryGb: number };
  readonly size: Omit<FlowsOptions, 'log' | 'progress' | 'flows'>;
  /** Each service started alone, one after another: time to its first ready answer; idle RSS after `idleSeconds`. */
  readonly services: Record<ServiceName, { readonly startupMs: number; readonly idleRssMb: number }>;
  readonly flows: FlowResult[];
}

/** One flow of a phase: when it was asked for, and when each of its steps was seen. */
interface Tracked {
  readonly sentAt: number;
  readonly steps: Map<string, number>;
}

/** A flow's definition: its steps in order (the last ones make it complete) and how a phase is driven. */
interface FlowDriver {
  readonly name: FlowName;
  readonly description: string;
  /** The hops reported, each from one step (or the request, `sent`) to another. */
  readonly hops: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  /** Steps that must all be seen for a flow to be complete; the last of them ends it. */
  readonly final: readonly string[];
  /** The flood: sends as fast as the system takes them until `until`; returns the ids sent. */
  flood(until: number, track: (id: string, sentAt?: number) => void): Promise<void>;
  /** Offers `perSecond` flows for `seconds`, paced. */
  paced(perSecond: number, seconds: number, track: (id: string, sentAt?: number) => void): Promise<void>;
  /** Takes in what the watcher saw since the last call. */
  observe(steps: Steps): void;
  /** Checks through the APIs that the flows are done as a user sees them; the ids that are not. */
  confirm(ids: readonly string[]): Promise<string[]>;
}

interface Setup {
  readonly system: System;
  readonly api: Api;
  readonly watcher: Watcher;
  readonly customers: readonly { id: string; accessCode: string }[];
  readonly runId: string;
  readonly log: (line: string) => void;
}

/** Runs `work` on up to `limit` items at once. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

/**
 * Offers `perSecond` flows for `seconds`, `start(count)` called every `tickMs` with the flows owed
 * by then (a fraction carried over), and waits for all it started.
 */
async function pace(
  perSecond: number,
  seconds: number,
  tickMs: number,
  start: (count: number) => Promise<void>[],
): Promise<void> {
  const started: Promise<void>[] = [];
  const begin = performance.now();
  let owed = 0;
  for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
    owed += (perSecond * tickMs) / 1000;
    const count = Math.floor(owed);
    owed -= count;
    if (count > 0) started.push(...start(count));
    const wait = begin + (tick + 1) * tickMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(started);
}

/** How often the commits of crm's group are looked at: the resolution of crm's hop. */
const POLL_MS = 25;

/**
 * When a consumer group committed past each record of one topic: polls its committed offsets
 * every `POLL_MS` and keeps, per partition, when each new offset was first seen. A poll asks for every
 * offset of the group, which spares the broker a metadata request per poll.
 */
class CommitTracker {
  private readonly seen = new Map<number, { at: number; offset: number }[]>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly system: System,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {
    const admin = this.system.topics.messaging.kafka.admin();
    await admin.connect();
    const poll = async (): Promise<void> => {
      const committed = (await admin.fetchOffsets({ groupId: this.groupId })).find(
        (t) => t.topic === this.topic,
      );
      const at = Date.now();
      for (const { partition, offset } of committed?.partitions ?? []) {
        const list = this.seen.get(partition) ?? [];
        const value = Number(offset);
        if (value >= 0 && (list.at(-1)?.offset ?? -1) < value) list.push({ at, offset: value });
        this.seen.set(partition, list);
      }
    };
    const loop = (): void => {
      this.polling = poll()
        .catch(() => undefined)
        .then(() => {
          if (this.timer !== undefined) this.timer = setTimeout(loop, POLL_MS);
        });
    };
    this.timer = setTimeout(loop, 0);
    this.stopAdmin = () => admin.disconnect();
  }

  private stopAdmin: () => Promise<void> = async () => undefined;

  /** When the group had committed past `offset` of `partition` (its next offset above it), if it has. */
  committedAt(partition: number, offset: number): number | undefined {
    const list = this.seen.get(partition) ?? [];
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((list[middle]?.offset ?? 0) > offset) high = middle;
      else low = middle + 1;
    }
    return list[low]?.at;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.stopAdmin();
  }
}

/** Reads a topic's new events since the last call. */
function cursor<T extends (typeof FLOW_TOPICS)[number]>(
  watcher: Watcher,
  topic: T,
): () => readonly Seen<T>[] {
  let position = 0;
  return () => {
    const all = watcher.events(topic);
    const fresh = all.slice(position);
    position = all.length;
    return fresh;
  };
}

/**
 * Records the steps of a flow's events: each step once (a second distinct event for the same step
 * is a double). Steps of flows not tracked yet are kept until they are: an order's events can be
 * published before orders' answer with its id reaches the generator.
 */
class Steps {
  private readonly early = new Map<string, { step: string; at: number; eventKey: string }[]>();
  private readonly eventKeys = new Map<string, string>();

  constructor(
    private readonly flows: Map<string, Tracked>,
    private readonly doubles: Set<string>,
  ) {}

  mark(id: string, step: string, at: number, eventKey: string): void {
    const flow = this.flows.get(id);
    if (!flow) {
      const list = this.early.get(id) ?? [];
      list.push({ step, at, eventKey });
      this.early.set(id, list);
      return;
    }
    const key = `${id}/${step}`;
    const earlier = this.eventKeys.get(key);
    if (earlier !== undefined && earlier !== eventKey) this.doubles.add(id);
    this.eventKeys.set(key, eventKey);
    if (!flow.steps.has(step)) flow.steps.set(step, at);
  }

  tracks(id: string): boolean {
    return this.flows.has(id);
  }

  /** Takes in the early steps of flows tracked since. */
  catchUp(): void {
    for (const [id, steps] of this.early) {
      if (!this.flows.has(id)) continue;
      this.early.delete(id);
      for (const { step, at, eventKey } of steps) this.mark(id, step, at, eventKey);
    }
  }
}

function callsDriver(setup: Setup, crmCommits: CommitTracker): FlowDriver {
  const { api, watcher, customers } = setup;
  const completed = cursor(watcher, 'conference.call-completed.v1');
  const charged = cursor(watcher, 'billing.call-charged.v1');
  // Charges seen whose crm commit is not known yet.
  const awaitingCrm = new Map<string, { partition: number; offset: number }>();
  const callsOf = new Map<string, number>();
  // Calls started 40 minutes before the run, in the past, within their contracts.
  const callBase = Date.now() - 40 * MINUTE;
  let sequence = 0;
  const BATCH = 200;

  /** One CDR file of `count` calls, each of one participant for ten minutes (the minimum charge). */
  const cdr = (
    count: number,
    track: (id: string, sentAt?: number) => void,
  ): { text: string; ids: string[] } => {
    const rows = [
      'call_id,access_code,call_started_at,call_ended_at,participant_id,caller_number,toll_free,joined_at,left_at,recording_seconds',
    ];
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const customer = customers[sequence++ % customers.length] as { id: string; accessCode: string };
      const callId = randomUUID();
      const start = new Date(callBase + (sequence % 600) * 1000).toISOString();
      const end = new Date(callBase + (sequence % 600) * 1000 + 10 * MINUTE).toISOString();
      rows.push(
        `${callId},${customer.accessCode},${start},${end},host,+49 30 1111111,false,${start},${end},0`,
      );
      ids.push(callId);
      callsOf.set(customer.id, (callsOf.get(customer.id) ?? 0) + 1);
    }
    for (const id of ids) track(id);
    return { text: `${rows.join('\n')}\n`, ids };
  };
  const post = async (text: string): Promise<void> => {
    const body = await api.expect(200, 'conference-bridge', 'POST', '/v1/calls/cdr', text, {
      'Content-Type': 'text/csv',
    });
    const problems = body.problems as unknown[];
    if (problems.length > 0)
      throw new Error(`the bridge refused rows of a CDR file: ${JSON.stringify(problems)}`);
  };

  return {
    name: 'callToInvoice',
    description: 'call → invoice line (CDR import → bridge → billing → crm)',
    hops: [
      { name: 'bridge: CDR request → call-completed', from: 'sent', to: 'completed' },
      { name: 'billing: call-completed → call-charged', from: 'completed', to: 'charged' },
      { name: 'crm: call-charged → billing summary', from: 'charged', to: 'crm' },
    ],
    final: ['crm'],
    async flood(until, track) {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (Date.now() < until) await post(cdr(BATCH, track).text);
        }),
      );
    },
    async paced(perSecond, seconds, track) {
      // A file every 100 ms, as a collector flushes what it gathered.
      await pace(perSecond, seconds, 100, (count) => [post(cdr(count, track).text)]);
    },
    observe(steps) {
      for (const seen of completed()) {
        steps.mark(seen.event.callId, 'completed', seen.at, seen.event.meta.eventId);
      }
      for (const seen of charged()) {
        // A call charged twice has two charge ids: the same charge published again is no double.
        steps.mark(seen.event.callId, 'charged', seen.at, seen.event.chargeId);
        if (steps.tracks(seen.event.callId))
          awaitingCrm.set(seen.event.callId, { partition: seen.partition, offset: seen.offset });
      }
      for (const [callId, { partition, offset }] of awaitingCrm) {
        const at = crmCommits.committedAt(partition, offset);
        if (at === undefined) continue;
        steps.mark(callId, 'crm', at, 'crm');
        awaitingCrm.delete(callId);
      }
    },
    async confirm() {
      // crm's billing summary of each customer counts the calls billing charged in the period.
      const missing: string[] = [];
      await eachLimited(customers, 8, async (customer) => {
        const body = await api.expect(200, 'crm', 'GET', `/v1/customers/${customer.id}`);
        const period = ((body.billing as Body | null)?.currentPeriod ?? null) as Body | null;
        const counted = Number(period?.callCount ?? 0);
        const expected = callsOf.get(customer.id) ?? 0;
        if (counted !== expected)
          missing.push(`customer ${customer.id}: crm shows ${counted} calls, ${expected} reported`);
      });
      return missing;
    },
  };
}

function bookingsDriver(setup: Setup): FlowDriver {
  const { api, watcher, customers } = setup;
  const placed = cursor(watcher, 'orders.order-placed.v1');
  const reserved = cursor(watcher, 'conference.bridge-reserved.v1');
  const confirmed = cursor(watcher, 'orders.order-confirmed.v1');
  const sent = cursor(watcher, 'mailing.message-sent.v1');
  // Conferences half an hour apart from the day after tomorrow on: the bridges never run out of ports.
  const firstConference = Math.ceil((Date.now() + 48 * HOUR) / HOUR) * HOUR;
  let sequence = 0;

  const book = async (track: (id: string, sentAt?: number) => void): Promise<void> => {
    const n = sequence++;
    const sentAt = Date.now();
    const customer = customers[n % customers.length] as { id: string };
    const body = await api.expect(
      202,
      'orders',
      'POST',
      '/v1/orders',
      {
        customerId: customer.id,
        title: `Bench booking ${n}`,
        startsAt: new Date(firstConference + n * 30 * MINUTE).toISOString(),
        durationMinutes: 30,
        expectedParticipants: 4,
        features: { recording: false, tollFree: false },
      },
      { 'Idempotency-Key': randomUUID() },
    );
    track(String(body.id), sentAt);
  };

  return {
    name: 'booking',
    description: 'booking (orders → bridge → orders, mailing)',
    hops: [
      { name: 'orders: request → order-placed', from: 'sent', to: 'placed' },
      { name: 'bridge: order-placed → bridge-reserved', from: 'placed', to: 'reserved' },
      { name: 'orders: bridge-reserved → order-confirmed', from: 'reserved', to: 'confirmed' },
      { name: 'mailing: bridge-reserved → email sent', from: 'reserved', to: 'mailed' },
    ],
    final: ['confirmed', 'mailed'],
    async flood(until, track) {
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (Date.now() < until) await book(track);
        }),
      );
    },
    async paced(perSecond, seconds, track) {
      await pace(perSecond, seconds, 20, (count) => Array.from({ length: count }, () => book(track)));
    },
    observe(steps) {
      // The id is known once orders answers; an event seen before that is kept for it.
      steps.catchUp();
      for (const s of placed()) steps.mark(s.event.orderId, 'placed', s.at, s.event.meta.eventId);
      for (const s of reserved()) steps.mark(s.event.orderId, 'reserved', s.at, s.event.reservationId);
      for (const s of confirmed()) steps.mark(s.event.orderId, 'confirmed', s.at, s.event.meta.eventId);
      for (const s of sent()) {
        if (s.event.kind !== 'BOOKING_CONFIRMATION') continue;
        steps.mark(s.event.meta.correlationId, 'mailed', s.at, s.event.messageId);
      }
    },
    async confirm(ids) {
      const missing: string[] = [];
      await eachLimited(ids, 16, async (id) => {
        const body = await api.expect(200, 'orders', 'GET', `/v1/orders/${id}`);
        if (body.status !== 'CONFIRMED') missing.push(`order ${id}: ${String(body.status)}`);
      });
      return missing;
    },
  };
}

/**
 * Runs one phase of a flow: offers flows (flood or paced), waits until each is complete (or the
 * drain times out), and reports throughput, latency and what the processes used.
 */
async function phase(
  driver: FlowDriver,
  name: string,
  watched: readonly Watched[],
  options: FlowsOptions,
  offer: (track: (id: string, sentAt?: number) => void) => Promise<void>,
  all: { ids: string[]; doubles: Set<string>; lost: string[] },
): Promise<PhaseResult & { completions: number[] }> {
  const flows = new Map<string, Tracked>();
  const doubles = new Set<string>();
  const track = (id: string, sentAt = Date.now()): void => void flows.set(id, { sentAt, steps: new Map() });
  const endOf = (flow: Tracked): number | undefined => {
    let end = 0;
    for (const step of driver.final) {
      const at = flow.steps.get(step);
      if (at === undefined) return undefined;
      end = Math.max(end, at);
    }
    return end;
  };
  const steps = new Steps(flows, doubles);
  const countComplete = (): number => [...flows.values()].filter((f) => endOf(f) !== undefined).length;
  const began = Date.now();
  const usage = sampleUsage(watched);
  let offering = true;
  const progress = setInterval(() => {
    driver.observe(steps);
    const complete = countComplete();
    const seconds = (Date.now() - began) / 1000;
    options.progress(
      `${driver.name} ${name}: ${offering ? 'offering' : 'draining'}, ${flows.size} sent, ${complete} complete (${Math.round(complete / seconds)}/s), ${Math.round(seconds)} s`,
    );
  }, 1000);
  try {
    await offer(track);
    const offeredSeconds = (Date.now() - began) / 1000;
    offering = false;
    const deadline = Date.now() + options.drainTimeoutMs;
    for (;;) {
      driver.observe(steps);
      if (countComplete() === flows.size || Date.now() > deadline) break;
      await sleep(200);
    }
    const used = usage.stop();
    const completions = [...flows.values()]
      .map(endOf)
      .filter((e): e is number => e !== undefined)
      .sort((a, b) => a - b);
    const lost = [...flows.entries()].filter(([, f]) => endOf(f) === undefined).map(([id]) => id);
    all.ids.push(...flows.keys());
    for (const id of doubles) all.doubles.add(id);
    all.lost.push(...lost);
    const hops: Record<string, Distribution> = {};
    for (const hop of driver.hops) {
      const values: number[] = [];
      for (const flow of flows.values()) {
        const from = hop.from === 'sent' ? flow.sentAt : flow.steps.get(hop.from);
        const to = flow.steps.get(hop.to);
        if (from !== undefined && to !== undefined) values.push(to - from);
      }
      hops[hop.name] = distribution(values);
    }
    const endToEnd = distribution(
      [...flows.values()].map((f) => (endOf(f) ?? Number.NaN) - f.sentAt).filter((v) => !Number.isNaN(v)),
    );
    // Completions per second: between the 10th and 90th percentile of completions for the flood
    // (joining and the last stragglers do not count); over the whole phase for a paced run.
    const low = completions[Math.floor(completions.length * 0.1)] ?? began;
    const high = completions[Math.floor(completions.length * 0.9)] ?? began;
    const windowed =
      name === 'maximum' && high > low ? (completions.length * 0.8) / ((high - low) / 1000) : undefined;
    const last = completions.at(-1) ?? began;
    return {
      phase: name,
      offeredPerSecond: round(flows.size / offeredSeconds, 0),
      achievedPerSecond: round(windowed ?? completions.length / Math.max(0.001, (last - began) / 1000), 0),
      flows: flows.size,
      endToEnd,
      hops,
      usage: used,
      completions,
    };
  } finally {
    clearInterval(progress);
  }
}

async function runFlow(
  driver: FlowDriver,
  setup: Setup,
  watched: readonly Watched[],
  options: FlowsOptions,
): Promise<FlowResult> {
  const all = { ids: [] as string[], doubles: new Set<string>(), lost: [] as string[] };
  options.log(`${driver.description}: the maximum (a flood for ${options.floodSeconds} s, then its drain)`);
  const { completions: _, ...max } = await phase(
    driver,
    'maximum',
    watched,
    options,
    (track) => driver.flood(Date.now() + options.floodSeconds * 1000, track),
    all,
  );
  const phases: PhaseResult[] = [max];
  for (const fraction of [0.25, 0.5]) {
    const rate = Math.max(1, Math.round(max.achievedPerSecond * fraction));
    options.log(
      `${driver.description}: paced at ${rate}/s (${fraction} of the maximum) for ${options.pacedSeconds} s`,
    );
    const { completions: __, ...paced } = await phase(
      driver,
      `${fraction} of maximum`,
      watched,
      options,
      (track) => driver.paced(rate, options.pacedSeconds, track),
      all,
    );
    phases.push(paced);
  }
  options.log(`${driver.description}: checking every flow through the APIs`);
  const refused = await driver.confirm(all.ids);
  for (const line of refused.slice(0, 10)) options.log(`  not done: ${line}`);
  const lost = Math.max(all.lost.length, refused.length);
  return {
    flow: driver.name,
    description: driver.description,
    maxPerSecond: max.achievedPerSecond,
    phases,
    verified: {
      flows: all.ids.length,
      complete: all.ids.length - all.lost.length,
      lost,
      doubled: all.doubles.size,
    },
  };
}

export async function runFlowsBench(options: FlowsOptions): Promise<FlowsReport> {
  const { log } = options;
  const endpoints = stackEndpoints();
  const runId = randomUUID().slice(0, 8);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const databases = {} as Record<ServiceName, TestDatabase>;
    for (const name of SERVICE_NAMES) {
      databases[name] = await createTestDatabase(endpoints.postgresUrl, `bench_${name.replace('-', '_')}`);
      cleanups.unshift(() => databases[name].drop());
    }
    const env = (name: ServiceName): Record<string, string> => ({
      DATABASE_URL: databases[name].url,
      // The load is a handful of clients: limits sized for them, as an operator sizes them for a PBX collector.
      RATE_LIMIT_READ_PER_MINUTE: '1000000',
      RATE_LIMIT_WRITE_PER_MINUTE: '1000000',
      RATE_LIMIT_BULK_PER_MINUTE: '1000000',
    });
    log(`starting ${SERVICE_NAMES.join(', ')} one at a time, each on its own PostgreSQL database`);
    const system = await startSystem(
      SERVICE_NAMES,
      Object.fromEntries(SERVICE_NAMES.map((n) => [n, env(n)])),
      {
        oneAtATime: true,
      },
    );
    cleanups.unshift(() => system.stop());
    log(`idling ${options.idleSeconds} s before reading each service's resident memory`);
    await sleep(options.idleSeconds * 1000);
    const services = {} as FlowsReport['services'];
    for (const name of SERVICE_NAMES) {
      const pid = system.pid(name);
      services[name] = {
        startupMs: system.startupMs[name] ?? Number.NaN,
        idleRssMb: round((pid === undefined ? 0 : residentBytes(pid)) / 1024 / 1024, 0),
      };
    }
    const watched: Watched[] = [
      ...SERVICE_NAMES.map((name) => single(name, system.pid(name))),
      single('load generator', process.pid),
      ...(await stackProcesses(endpoints)),
    ];

    const api = new Api(system.url, 60_000);
    const watcher = new Watcher(system.topics.messaging, 'bench-flows', FLOW_TOPICS);
    await watcher.start();
    cleanups.unshift(() => watcher.stop());
    const { names } = system.topics.messaging;
    log(
      `registering ${options.customers} customers with contracts, each with a booked conference for its calls`,
    );
    const customers = await registerCustomers(api, system, runId, options.customers);
    const setup: Setup = { system, api, watcher, customers, runId, log };
    const chosen = options.flows ?? ['callToInvoice', 'booking'];
    const results: FlowResult[] = [];
    if (chosen.includes('callToInvoice')) {
      // Its polls are load on the broker: only while the flow that needs them runs.
      const crmCommits = new CommitTracker(
        system,
        names.group('crm'),
        names.physical('billing.call-charged.v1'),
      );
      await crmCommits.start();
      try {
        results.push(await runFlow(callsDriver(setup, crmCommits), setup, watched, options));
      } finally {
        await crmCommits.stop();
      }
    }
    if (chosen.includes('booking'))
      results.push(await runFlow(bookingsDriver(setup), setup, watched, options));
    return {
      date: new Date().toISOString(),
      node: process.version,
      machine: { cores: cpus().length, memoryGb: round(totalmem() / 2 ** 30, 0) },
      size: {
        customers: options.customers,
        floodSeconds: options.floodSeconds,
        pacedSeconds: options.pacedSeconds,
        idleSeconds: options.idleSeconds,
        drainTimeoutMs: options.drainTimeoutMs,
      },
      services,
      flows: results,
    };
  } finally {
    for (const cleanup of cleanups)
      await cleanup().catch((error: unknown) => log(`clean-up: ${String(error)}`));
  }
}

/** Customers with contracts whose rates billing knows, each with a confirmed booking (its access code). */
async function registerCustomers(
  api: Api,
  system: System,
  runId: string,
  count: number,
): Promise<{ id: string; accessCode: string }[]> {
  const customers: { id: string; accessCode: string }[] = [];
  const firstConference = Math.ceil((Date.now() + 24 * HOUR) / HOUR) * HOUR;
  await eachLimited(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (index) => {
      const created = await api.expect(201, 'crm', 'POST', '/v1/customers', {
        name: `Bench ${index} GmbH`,
        email: `bench-${runId}-${index}@example.com`,
        phone: '+49 30 1234567',
        address: { street: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
        segment: 'SMALL_BUSINESS',
        marketingConsent: false,
      });
      const id = String(created.id);
      await api.expect(200, 'crm', 'PUT', `/v1/customers/${id}/contract`, {
        currency: 'EUR',
        perParticipantMinute: 12,
        tollFreeSurchargePerMinute: 5,
        recordingPerMinute: 2,
        minimumChargePerCall: 100,
        effectiveFrom: new Date(Date.now() - 24 * HOUR).toISOString(),
      });
      let orderId: string | undefined;
      while (!orderId) {
        const answer = await api.send(
          'orders',
          'POST',
          '/v1/orders',
          {
            customerId: id,
            title: `Bench calls of ${index}`,
            startsAt: new Date(firstConference + index * HOUR).toISOString(),
            durationMinutes: 60,
            expectedParticipants: 4,
            features: { recording: false, tollFree: false },
          },
          { 'Idempotency-Key': `bench-${runId}-${index}` },
        );
        if (answer.status === 202) orderId = String(answer.body.id);
        // orders learns of the customer from crm's event, a moment after registration.
        else if (answer.body.code === 'UNKNOWN_CUSTOMER') await sleep(200);
        else throw new Error(`orders answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
      for (;;) {
        const order = await api.expect(200, 'orders', 'GET', `/v1/orders/${orderId}`);
        if (order.status === 'CONFIRMED') {
          customers.push({ id, accessCode: String((order.dialIn as Body).accessCode) });
          return;
        }
        if (order.status === 'REJECTED')
          throw new Error(`the set-up booking of customer ${index} was rejected`);
        await sleep(200);
      }
    },
  );
  // Billing rates a call with the rates in effect at its start: it has taken in every contract.
  await system.caughtUp('billing', ['crm.contract-rates-changed.v1']);
  return customers;
}

/** The report as a table. */
export function formatFlowsReport(report: FlowsReport): string {
  const lines: string[] = [];
  lines.push(
    `flows benchmark, ${report.date} (Node ${report.node}, ${report.machine.cores} cores, ${report.machine.memoryGb} GiB)`,
  );
  lines.push('');
  lines.push('service            start-up to ready   idle RSS (target ≤ 150 MB)');
  for (const [name, s] of Object.entries(report.services)) {
    lines.push(`${name.padEnd(18)} ${`${s.startupMs} ms`.padStart(17)}   ${`${s.idleRssMb} MB`.padStart(8)}`);
  }
  for (const flow of report.flows) {
    const target = flow.flow === 'callToInvoice' ? 2000 : 500;
    lines.push('');
    lines.push(`${flow.description}: maximum ${flow.maxPerSecond} flows/s (target ≥ ${target}/s)`);
    lines.push(
      `  verified: ${flow.verified.flows} flows, ${flow.verified.complete} complete, ${flow.verified.lost} lost, ${flow.verified.doubled} doubled`,
    );
    for (const p of flow.phases) {
      lines.push(
        `  ${p.phase.padEnd(16)} offered ${String(p.offeredPerSecond).padStart(5)}/s  achieved ${String(p.achievedPerSecond).padStart(5)}/s  end to end p50 ${p.endToEnd.p50Ms} / p95 ${p.endToEnd.p95Ms} / p99 ${p.endToEnd.p99Ms} ms${p.phase.startsWith('0.5') ? '  (target p99 ≤ 250 ms)' : ''}`,
      );
      for (const [hop, d] of Object.entries(p.hops)) {
        lines.push(
          `      ${hop.padEnd(42)} p50 ${String(d.p50Ms).padStart(5)}  p95 ${String(d.p95Ms).padStart(5)}  p99 ${String(d.p99Ms).padStart(5)} ms`,
        );
      }
      const cpu = Object.entries(p.usage.processes)
        .map(([name, u]) => `${name} ${u.cpuPercent}% ${u.rssMaxMb} MB`)
        .join(', ');
      lines.push(
        `      machine CPU ${p.usage.machineCpuPercent}% of ${p.usage.cores} cores; CPU (% of a core) and peak RSS: ${cpu}`,
      );
    }
  }
  return lines.join('\n');
}

import { TOPICS, type TopicName } from '@switchboard/contracts';
import { type DeliveredMail, MailReader, stackEndpoints } from '@switchboard/testing';
import { SERVICE_NAMES, type System } from '../e2e/system.ts';
import type { Api, Body } from './api.ts';
import type { Customer, Load } from './load.ts';
import { type Check, check } from './report.ts';
import type { Watcher } from './watcher.ts';

export interface Reconciliation {
  readonly api: Api;
  readonly load: Load;
  readonly watcher: Watcher;
  readonly system: System;
  readonly closes: readonly { readonly period: string; readonly id: string }[];
  readonly campaignId: string;
  readonly audience: readonly Customer[];
}

/** Distinct Message-IDs of the mails `key` files under some key, by key. */
function byKey(mails: readonly DeliveredMail[], key: (mail: DeliveredMail) => string | undefined) {
  const found = new Map<string, Set<string>>();
  for (const mail of mails) {
    const k = key(mail);
    if (k === undefined) continue;
    found.set(k, (found.get(k) ?? new Set()).add(mail.messageId || mail.id));
  }
  return found;
}

const copiesOf = (found: ReadonlyMap<string, ReadonlySet<string>>): number =>
  [...found.values()].reduce((sum, ids) => sum + ids.size, 0);

/** Records on a consumer's dead-letter topics of the run, over every topic it consumes. */
async function deadLettered(system: System): Promise<number> {
  const { kafka, names } = system.topics.messaging;
  const admin = kafka.admin();
  await admin.connect();
  try {
    let parked = 0;
    for (const [topic, spec] of Object.entries(TOPICS) as [TopicName, (typeof TOPICS)[TopicName]][]) {
      for (const consumer of spec.consumers) {
        for (const p of await admin.fetchTopicOffsets(names.deadLetter(topic, consumer))) {
          parked += Number(p.high) - Number(p.low);
        }
      }
    }
    return parked;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Counts, once the system has drained, what each step of the flows should hold and what it holds:
 * through the services' APIs, the mail server (emails by Message-ID) and the topics (events by id).
 */
export async function reconcile(r: Reconciliation): Promise<Check[]> {
  const { api, load, watcher } = r;
  const ours = new Set(load.bookings.map((b) => b.orderId));
  const orders = await api.all('orders', '/v1/orders');
  const confirmed = orders.filter((o) => ours.has(String(o.id)) && o.status === 'CONFIRMED');
  const confirmedIds = new Set(confirmed.map((o) => String(o.id)));
  const starts = orders.map((o) => Date.parse(String(o.startsAt)));
  const reservations = await api.all(
    'conference-bridge',
    `/v1/reservations?from=${encodeURIComponent(new Date(Math.min(...starts) - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Math.max(...starts) + 3_600_000).toISOString())}`,
  );
  const active = reservations.filter((res) => res.status === 'ACTIVE');

  const addresses = new Set(load.customers.map((c) => c.email.toLowerCase()));
  const mails = (await new MailReader(stackEndpoints().mailApiUrl).all()).filter((m) =>
    m.to.some((to) => addresses.has(to.toLowerCase())),
  );
  const confirmations = byKey(mails, (m) =>
    m.subject.startsWith('Your conference on') ? /Booking reference: (\S+)/.exec(m.text)?.[1] : undefined,
  );
  const invoiceMails = byKey(mails, (m) => /^Invoice (\S+) for /.exec(m.subject)?.[1]);
  const byAddress = new Map(load.customers.map((c) => [c.email.toLowerCase(), c.id]));
  const notices = byKey(mails, (m) =>
    m.subject.startsWith('A letter is on its way') ? byAddress.get(m.to[0]?.toLowerCase() ?? '') : undefined,
  );

  const ourCalls = new Set(load.calls.map((c) => c.callId));
  const completed = watcher.distinct(
    'conference.call-completed.v1',
    (e) => e.callId,
    (e) => ourCalls.has(e.callId),
  );
  const charged = watcher.distinct(
    'billing.call-charged.v1',
    (e) => e.callId,
    (e) => ourCalls.has(e.callId),
  );
  const invoices: Body[] = [];
  for (const close of r.closes)
    invoices.push(...(await api.all('billing', `/v1/invoices?closeId=${close.id}`)));
  const lines: string[] = [];
  for (const invoice of invoices) {
    const full = await api.expect(200, 'billing', 'GET', `/v1/invoices/${String(invoice.id)}`);
    lines.push(...((full.calls as Body[] | undefined) ?? []).map((c) => String(c.callId)));
  }
  const customerOf = new Map(load.calls.map((c) => [c.callId, c.customerId]));
  const customersCharged = new Set([...charged.keys()].map((id) => customerOf.get(id)));
  const letters = watcher.distinct(
    'mailing.message-sent.v1',
    (e) => e.customerId ?? '',
    (e) => e.kind === 'CAMPAIGN_LETTER' && e.relatedId === r.campaignId,
  );
  const eventsOf = (found: ReadonlyMap<string, { eventIds: ReadonlySet<string> }>): number =>
    [...found.values()].reduce((sum, f) => sum + f.eventIds.size, 0);
  const letterCopies = watcher.distinct(
    'mailing.message-sent.v1',
    (e) => e.messageId,
    (e) => e.kind === 'CAMPAIGN_LETTER' && e.relatedId === r.campaignId,
  ).size;

  const consenting = r.audience.filter((c) => c.marketingConsent).length;

  let outboxParked = 0;
  for (const service of SERVICE_NAMES)
    outboxParked += (await api.all(service, '/v1/outbox/dead-letters')).length;
  const parked = (await deadLettered(r.system)) + outboxParked;
  const held = (await api.all('billing', '/v1/calls/unrated')).length;
  const accepted = load.bookings.length;

  return [
    check('orders accepted = orders confirmed', accepted, confirmed.length, orders.length),
    check(
      'orders confirmed = bridges reserved',
      confirmed.length,
      new Set(active.map((res) => String(res.orderId)).filter((id) => confirmedIds.has(id))).size,
      active.length,
    ),
    check(
      'one confirmation email per order (by Message-ID)',
      confirmed.length,
      confirmations.size,
      copiesOf(confirmations),
    ),
    check('calls reported = calls completed', load.calls.length, completed.size, eventsOf(completed)),
    check('calls completed = calls charged', completed.size, charged.size, eventsOf(charged)),
    check('calls charged = invoice lines', charged.size, new Set(lines).size, lines.length),
    check(
      'one invoice per customer charged',
      customersCharged.size,
      new Set(invoices.map((i) => i.customerId)).size,
      invoices.length,
    ),
    check(
      'one invoice email per invoice (by Message-ID)',
      invoices.length,
      invoiceMails.size,
      copiesOf(invoiceMails),
    ),
    check('campaign letters, once per recipient', consenting, letters.size, letterCopies),
    check(
      'campaign notices, once per recipient (by Message-ID)',
      consenting,
      notices.size,
      copiesOf(notices),
    ),
    {
      name: 'dead letters (DLQ topics and outboxes)',
      expected: 0,
      found: parked,
      lost: parked,
      duplicated: 0,
    },
    { name: 'calls held unrated', expected: 0, found: held, lost: held, duplicated: 0 },
  ];
}

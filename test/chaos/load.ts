import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Api, Body } from './api.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Every how many flows a new customer registers; the flows between book for the last one. */
export const FLOWS_PER_CUSTOMER = 5;

export interface Customer {
  readonly index: number;
  readonly id: string;
  readonly email: string;
  readonly country: 'LU' | 'DE';
  readonly marketingConsent: boolean;
}

export interface Booking {
  readonly flow: number;
  readonly orderId: string;
  readonly customer: Customer;
  /** When the flow first asked orders for it (epoch ms): a fault's wait counts from here. */
  readonly askedAt: number;
  status?: 'CONFIRMED' | 'REJECTED';
}

export interface ReportedCall {
  readonly callId: string;
  readonly orderId: string;
  readonly customerId: string;
  /** When the flow first reported activity of it to the bridge (epoch ms). */
  readonly reportedFrom: number;
  /** The billing period its start falls in, `YYYY-MM`. */
  readonly period: string;
}

/** The audience of the run's campaign: the customers in Luxembourg (half of them). */
export const campaignAudience = { segments: ['SMALL_BUSINESS'], countries: ['LU'] };

const periodOf = (at: number): string => new Date(at).toISOString().slice(0, 7);

/**
 * The run's business, driven through the public APIs at a steady pace: flow i registers a
 * customer with a contract when i is a multiple of FLOWS_PER_CUSTOMER, books a conference for it
 * (orders → bridge reserved → order confirmed → confirmation email), and, once confirmed, reports a
 * call on it to the bridge (→ call completed → charged by billing → shown in crm).
 */
export class Load {
  readonly customers: Customer[] = [];
  readonly bookings: Booking[] = [];
  readonly calls: ReportedCall[] = [];
  readonly failures: string[] = [];
  private readonly registering = new Map<number, Promise<Customer>>();
  /** Calls started 40 minutes before the run, a second apart: in the past, in one period. */
  private readonly callBase = Date.now() - 40 * MINUTE;
  /** Conferences an hour apart from tomorrow on, so the bridge never runs out of ports. */
  private readonly firstConference = Math.ceil((Date.now() + 24 * HOUR) / HOUR) * HOUR;

  constructor(
    private readonly api: Api,
    private readonly runId: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Runs `flows` flows, one after another at the pace `intervalMs(left)` gives (the wait before the
   * next, with `left` flows still to start); resolves when every one has finished.
   */
  async run(flows: number, intervalMs: (left: number) => number): Promise<void> {
    const running: Promise<void>[] = [];
    for (let flow = 0; flow < flows; flow++) {
      if (flow > 0) await sleep(intervalMs(flows - flow));
      running.push(
        this.flow(flow).catch((error: unknown) => {
          const failure = `flow ${flow}: ${error instanceof Error ? error.message : String(error)}`;
          this.failures.push(failure);
          this.log(`failed: ${failure}`);
        }),
      );
    }
    await Promise.all(running);
  }

  /** The periods the run's calls fall in. */
  get periods(): string[] {
    return [...new Set(this.calls.map((c) => c.period))].sort();
  }

  private async flow(flow: number): Promise<void> {
    const customer = await this.customerOf(Math.floor(flow / FLOWS_PER_CUSTOMER));
    const booking = await this.book(flow, customer);
    const dialIn = await this.settled(booking);
    if (dialIn) await this.reportCall(flow, booking, dialIn.accessCode);
  }

  private customerOf(index: number): Promise<Customer> {
    let registered = this.registering.get(index);
    if (!registered) {
      registered = this.register(index);
      this.registering.set(index, registered);
    }
    return registered;
  }

  private async register(index: number): Promise<Customer> {
    const email = `chaos-${this.runId}-${index}@example.com`;
    const country = index % 2 === 0 ? 'LU' : 'DE';
    // One in three of those in Luxembourg says no to marketing: the campaign must skip them.
    const marketingConsent = index % 6 !== 4;
    const answer = await this.api.send('crm', 'POST', '/v1/customers', {
      name: `Chaos ${index} GmbH`,
      email,
      phone: '+49 30 1234567',
      address: { street: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country },
      segment: 'SMALL_BUSINESS',
      marketingConsent,
    });
    let id: string;
    if (answer.status === 201) id = String(answer.body.id);
    else if (answer.status === 409) {
      // Registered by an earlier attempt whose answer was lost in the fault: find it by its email.
      const known = (await this.api.all('crm', '/v1/customers')).find((c) => c.email === email);
      if (!known) throw new Error(`crm refused ${email} as taken but does not list it`);
      id = String(known.id);
    } else throw new Error(`crm answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    await this.api.expect(200, 'crm', 'PUT', `/v1/customers/${id}/contract`, {
      currency: 'EUR',
      perParticipantMinute: 12,
      tollFreeSurchargePerMinute: 5,
      recordingPerMinute: 2,
      minimumChargePerCall: 100,
      effectiveFrom: new Date(this.callBase - 2 * HOUR).toISOString(),
    });
    const customer = { index, id, email, country, marketingConsent } as const;
    this.customers.push(customer);
    return customer;
  }

  private async book(flow: number, customer: Customer): Promise<Booking> {
    const key = randomUUID();
    const order = {
      customerId: customer.id,
      title: `Chaos flow ${flow}`,
      startsAt: new Date(this.firstConference + flow * HOUR).toISOString(),
      durationMinutes: 30,
      expectedParticipants: 4,
      features: { recording: false, tollFree: false },
    };
    const askedAt = Date.now();
    for (;;) {
      const answer = await this.api.send('orders', 'POST', '/v1/orders', order, { 'Idempotency-Key': key });
      if (answer.status === 202) {
        const booking: Booking = { flow, orderId: String(answer.body.id), customer, askedAt };
        this.bookings.push(booking);
        return booking;
      }
      // orders learns of a new customer from crm's event, a moment (or a fault) after registration.
      if (answer.body.code !== 'UNKNOWN_CUSTOMER') {
        throw new Error(`orders answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
      await sleep(500);
    }
  }

  /** Waits until the order is confirmed or rejected; its dial-in when confirmed. */
  private async settled(booking: Booking): Promise<{ accessCode: string } | undefined> {
    let delay = 250;
    for (;;) {
      const body = await this.api.expect(200, 'orders', 'GET', `/v1/orders/${booking.orderId}`);
      if (body.status === 'CONFIRMED') {
        booking.status = 'CONFIRMED';
        return { accessCode: String((body.dialIn as Body).accessCode) };
      }
      if (body.status === 'REJECTED') {
        booking.status = 'REJECTED';
        return undefined;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }

  private async reportCall(flow: number, booking: Booking, accessCode: string): Promise<void> {
    const startedAt = this.callBase + flow * 1000;
    // A UUID: the bridge's events carry it as it is (other ids it turns into UUIDs of their own).
    const callId = randomUUID();
    // Two participant-minutes over a ten-minute call: rated at the contract's minimum charge.
    const events = [
      { type: 'CALL_STARTED', at: 0, accessCode },
      { type: 'PARTICIPANT_JOINED', at: 0, participantId: 'host', callerNumber: '+49 30 1111111' },
      { type: 'PARTICIPANT_LEFT', at: 10 * MINUTE, participantId: 'host' },
      { type: 'CALL_ENDED', at: 10 * MINUTE },
    ];
    const reportedFrom = Date.now();
    for (const [i, { at, ...event }] of events.entries()) {
      await this.api.expect(202, 'conference-bridge', 'POST', `/v1/calls/${callId}/events`, {
        ...event,
        eventId: `e${i}`,
        at: new Date(startedAt + at).toISOString(),
      });
    }
    this.calls.push({
      callId,
      orderId: booking.orderId,
      customerId: booking.customer.id,
      reportedFrom,
      period: periodOf(startedAt),
    });
  }
}

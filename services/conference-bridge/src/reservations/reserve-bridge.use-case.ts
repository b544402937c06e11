import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Context, context } from '@opentelemetry/api';
import type { OrderPlaced } from '@switchboard/contracts';
import { Outbox, type OutboxEntry } from '@switchboard/messaging';
import { type SqlExecutor } from '@switchboard/database';
import { CONFIG, metaFollowing } from '@switchboard/service';
import { AccessCodeGenerator } from '../bridges/access-code.ts';
import { allocate, type Booking, isInstant } from '../bridges/capacity.ts';
import type { BridgeConfig } from '../config.ts';
import { ReservationsRepository } from './reservations.repository.ts';

/**
 * Answers a placed order: reserves ports on the first bridge with room for the whole slot, with a
 * dial-in number and an access code no other active reservation has (`conference.bridge-reserved`),
 * or says why it cannot (`conference.bridge-rejected`). An order cancelled before its placement
 * arrived gets nothing.
 */
@Injectable()
export class ReserveBridgeUseCase {
  private readonly codes: AccessCodeGenerator;

  constructor(
    @Inject(CONFIG) private readonly config: BridgeConfig,
    private readonly reservations: ReservationsRepository,
    private readonly outbox: Outbox,
  ) {
    this.codes = new AccessCodeGenerator({ digits: config.accessCodeDigits });
  }

  async execute(tx: SqlExecutor, order: OrderPlaced): Promise<void> {
    await this.executeAll(tx, [{ event: order, trace: context.active() }]);
  }

  /**
   * Placements (a partition's batch, each in its record's trace), answered in their order as if
   * one after the other, under one allocation lock and in a handful of statements for the batch: a
   * placement sees the ports taken by those before it. A second placement of one order, or one
   * answered before, gets nothing.
   */
  async executeAll(
    tx: SqlExecutor,
    items: readonly { readonly event: OrderPlaced; readonly trace: Context }[],
  ): Promise<void> {
    await this.reservations.lockAllocation(tx);
    const answered = await this.reservations.answeredOrders(
      tx,
      items.map((item) => item.event.orderId),
    );
    const placements: (Placement & { readonly trace: Context })[] = [];
    for (const { event, trace } of items) {
      const id = event.orderId.toLowerCase();
      if (answered.has(id)) continue;
      answered.add(id);
      const request = {
        startsAt: event.startsAt,
        endsAt: event.startsAt + event.durationMinutes * 60_000,
        ports: event.expectedParticipants,
      };
      placements.push({ order: event, request, trace });
    }
    if (placements.length === 0) return;

    // A slot that is not a pair of instants is rejected by `allocate`, before it looks at bookings.
    const booked = await this.reservations.bookingsOverlapping(
      tx,
      placements.map((p) => p.request).filter((r) => isInstant(r.startsAt) && isInstant(r.endsAt)),
    );
    const answers = placements.map((placement) => {
      const allocation = allocate(this.config.bridges, (id) => booked.get(id) ?? [], placement.request);
      if (allocation.ok) {
        const list = booked.get(allocation.bridge.id) ?? [];
        list.push(placement.request);
        booked.set(allocation.bridge.id, list);
      }
      return { ...placement, allocation };
    });
    const codes = await this.codes.nextManyAsync(
      answers.filter((answer) => answer.allocation.ok).length,
      (candidates) => this.reservations.accessCodesTaken(tx, candidates),
    );
    const rows: Parameters<ReservationsRepository['insertMany']>[1][number][] = [];
    const events: OutboxEntry[] = [];
    for (const { order, request, allocation, trace } of answers) {
      const meta = metaFollowing('conference-bridge', order.meta);
      if (!allocation.ok) {
        events.push({
          topic: 'conference.bridge-rejected.v1',
          key: order.orderId,
          event: {
            meta,
            orderId: order.orderId,
            customerId: order.customerId,
            reason: allocation.reason,
            detail: allocation.detail,
          },
          trace,
        });
        continue;
      }
      const reservationId = randomUUID();
      const accessCode = codes[rows.length] as string;
      const { bridge } = allocation;
      rows.push({
        id: reservationId,
        orderId: order.orderId,
        customerId: order.customerId,
        bridgeId: bridge.id,
        ...request,
        accessCode,
        correlationId: order.meta.correlationId,
      });
      events.push({
        topic: 'conference.bridge-reserved.v1',
        key: order.orderId,
        event: {
          meta,
          orderId: order.orderId,
          reservationId,
          customerId: order.customerId,
          bridgeId: bridge.id,
          dialInNumber: bridge.dialInNumber,
          accessCode,
          startsAt: request.startsAt,
          endsAt: request.endsAt,
          ports: request.ports,
        },
        trace,
      });
    }
    await this.reservations.insertMany(tx, rows);
    await this.outbox.enqueueMany(tx, events);
  }
}

interface Placement {
  readonly order: OrderPlaced;
  readonly request: Booking;
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { OrderPlaced } from '@switchboard/contracts';
import { Outbox } from '@switchboard/messaging';
import { type SqlExecutor } from '@switchboard/database';
import { CONFIG, metaFollowing } from '@switchboard/service';
import { AccessCodeGenerator } from '../bridges/access-code.ts';
import { allocate } from '../bridges/capacity.ts';
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
    await this.reservations.lockAllocation(tx);
    if (await this.reservations.wasCancelled(tx, order.orderId)) return;
    if (await this.reservations.existsForOrder(tx, order.orderId)) return;
    const request = {
      startsAt: order.startsAt,
      endsAt: order.startsAt + order.durationMinutes * 60_000,
      ports: order.expectedParticipants,
    };
    const booked = await this.reservations.bookingsBetween(tx, request.startsAt, request.endsAt);
    const allocation = allocate(this.config.bridges, (id) => booked.get(id) ?? [], request);
    const meta = metaFollowing('conference-bridge', order.meta);
    if (!allocation.ok) {
      await this.outbox.enqueue(tx, 'conference.bridge-rejected.v1', order.orderId, {
        meta,
        orderId: order.orderId,
        customerId: order.customerId,
        reason: allocation.reason,
        detail: allocation.detail,
      });
      return;
    }
    const accessCode = await this.codes.nextAsync((code) => this.reservations.accessCodeTaken(tx, code));
    const reservationId = randomUUID();
    await this.reservations.insert(tx, {
      id: reservationId,
      orderId: order.orderId,
      customerId: order.customerId,
      bridgeId: allocation.bridge.id,
      ...request,
      accessCode,
      correlationId: order.meta.correlationId,
    });
    await this.outbox.enqueue(tx, 'conference.bridge-reserved.v1', order.orderId, {
      meta,
      orderId: order.orderId,
      reservationId,
      customerId: order.customerId,
      bridgeId: allocation.bridge.id,
      dialInNumber: allocation.bridge.dialInNumber,
      accessCode,
      startsAt: request.startsAt,
      endsAt: request.endsAt,
      ports: request.ports,
    });
  }
}

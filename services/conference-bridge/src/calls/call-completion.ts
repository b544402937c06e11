import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@switchboard/database';
import { Outbox } from '@switchboard/messaging';
import { newMeta } from '@switchboard/service';
import { ReservationsRepository } from '../reservations/reservations.repository.ts';
import type { AssembledCall } from './call-assembly.ts';
import { CallsRepository } from './calls.repository.ts';
import { eventCallId } from './event-call-id.ts';

/**
 * Completes a call: marks it COMPLETED and publishes `conference.call-completed` with every
 * connection, in the caller's transaction (which holds the call's row lock), so it happens once.
 */
@Injectable()
export class CallCompletion {
  constructor(
    private readonly calls: CallsRepository,
    private readonly reservations: ReservationsRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * False, changing nothing, when no active reservation has the call's access code. `actor`: the
   * client that reported the activity (null when the sweeper closes the call).
   */
  async complete(
    tx: SqlExecutor,
    callId: string,
    call: AssembledCall,
    actor: string | null,
  ): Promise<boolean> {
    const reservation = await this.reservations.byAccessCode(tx, call.accessCode);
    if (!reservation) return false;
    await this.calls.complete(tx, callId, reservation.id);
    const published = eventCallId(callId);
    await this.outbox.enqueue(tx, 'conference.call-completed.v1', published, {
      meta: newMeta('conference-bridge', { correlationId: reservation.correlationId, actor }),
      callId: published,
      bridgeCallId: callId,
      customerId: reservation.customerId,
      orderId: reservation.orderId,
      reservationId: reservation.id,
      bridgeId: reservation.bridgeId,
      startedAt: call.startedAt,
      endedAt: call.endedAt,
      participants: call.participants.map((p) => ({ ...p })),
      recordingSeconds: call.recordingSeconds,
    });
    return true;
  }
}

import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@switchboard/database';
import { Outbox } from '@switchboard/messaging';
import { newMeta } from '@switchboard/service';
import type { Reservation } from '../reservations/dto/reservation.dto.ts';
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
    await this.completeMany(tx, [{ callId, call, reservation }], actor);
    return true;
  }

  /** Completes several calls, each under the reservation its access code led to, in two statements. */
  async completeMany(
    tx: SqlExecutor,
    calls: readonly {
      readonly callId: string;
      readonly call: AssembledCall;
      readonly reservation: Reservation & { readonly correlationId: string };
    }[],
    actor: string | null,
  ): Promise<void> {
    await this.calls.complete(
      tx,
      calls.map(({ callId, reservation }) => ({ callId, reservationId: reservation.id })),
    );
    await this.outbox.enqueueMany(
      tx,
      calls.map(({ callId, call, reservation }) => {
        const published = eventCallId(callId);
        return {
          topic: 'conference.call-completed.v1' as const,
          key: published,
          event: {
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
          },
        };
      }),
    );
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { type SqlDatabase } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { ReservationsRepository } from '../reservations/reservations.repository.ts';
import { assembleCall } from './call-assembly.ts';
import { CallCompletion } from './call-completion.ts';
import type { CallEvent } from './call-events.ts';
import { CallCompletedError, UnknownAccessCodeError } from './calls.errors.ts';
import { CallsRepository } from './calls.repository.ts';
import { eventCallId } from './event-call-id.ts';

export interface CallActivityResult {
  /** The bridge's own id of the call, as reported. */
  readonly callId: string;
  /** Its id in conference.call-completed, billing's invoices and traces (a UUID). */
  readonly eventCallId: string;
  readonly status: 'OPEN' | 'COMPLETED';
  /** Events of this request seen before (same event id), and so ignored. */
  readonly duplicates: number;
}

/**
 * Records a call's activity, in any order and with repeats, and completes the call — publishing
 * `conference.call-completed` with every connection — the first time both its start and its end
 * are known. The completion and the event commit together, under the call's row lock, so a call
 * completes once however its events arrive.
 */
@Injectable()
export class RecordCallActivityUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    private readonly calls: CallsRepository,
    private readonly reservations: ReservationsRepository,
    private readonly completion: CallCompletion,
  ) {}

  /** `actor`: the client id of the caller that reported the activity, carried on the event. */
  async execute(
    callId: string,
    events: readonly CallEvent[],
    actor: string | null,
  ): Promise<CallActivityResult> {
    const published = eventCallId(callId);
    return this.db.transaction(async (tx) => {
      const status = await this.calls.open(tx, callId);
      for (const event of events) {
        if (event.type === 'CALL_STARTED' && !(await this.reservations.byAccessCode(tx, event.accessCode)))
          throw new UnknownAccessCodeError();
      }
      const added = await this.calls.addEvents(tx, callId, events);
      const duplicates = events.length - added;
      if (status === 'COMPLETED') {
        if (added > 0) throw new CallCompletedError(callId);
        return { callId, eventCallId: published, status, duplicates };
      }
      const assembly = assembleCall(await this.calls.events(tx, callId));
      if (!assembly.complete) return { callId, eventCallId: published, status: 'OPEN', duplicates };
      if (!(await this.completion.complete(tx, callId, assembly.call, actor)))
        throw new UnknownAccessCodeError();
      return { callId, eventCallId: published, status: 'COMPLETED', duplicates };
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { DomainError } from '@switchboard/domain';
import { DATABASE } from '@switchboard/service';
import { ReservationsRepository } from '../reservations/reservations.repository.ts';
import { assembleCall } from './call-assembly.ts';
import { CallCompletion } from './call-completion.ts';
import type { CallEvent } from './call-events.ts';
import { CallCompletedError, UnknownAccessCodeError } from './calls.errors.ts';
import { CallsRepository } from './calls.repository.ts';
import { eventCallId } from './event-call-id.ts';

/** Calls of an imported file recorded per transaction. */
const CHUNK = 500;

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
  execute(callId: string, events: readonly CallEvent[], actor: string | null): Promise<CallActivityResult> {
    return this.db.transaction((tx) => this.record(tx, callId, events, actor));
  }

  /**
   * Records many calls' activity (an imported file) in one transaction per `CHUNK` calls, each
   * call behind a savepoint: a call refused for its own sake (an unknown access code, an event
   * after its completion) is rolled back alone and answered among `refused`, the others stand.
   * Any other failure fails the whole chunk.
   */
  async executeMany(
    calls: readonly { readonly callId: string; readonly events: readonly CallEvent[] }[],
    actor: string | null,
  ): Promise<{ results: CallActivityResult[]; refused: { index: number; error: DomainError }[] }> {
    const results: CallActivityResult[] = [];
    const refused: { index: number; error: DomainError }[] = [];
    for (let start = 0; start < calls.length; start += CHUNK) {
      await this.db.transaction(async (tx) => {
        for (let index = start; index < Math.min(calls.length, start + CHUNK); index++) {
          const call = calls[index];
          if (!call) continue;
          await tx.query('SAVEPOINT call');
          try {
            results.push(await this.record(tx, call.callId, call.events, actor));
            await tx.query('RELEASE SAVEPOINT call');
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            await tx.query('ROLLBACK TO SAVEPOINT call');
            refused.push({ index, error });
          }
        }
      });
    }
    return { results, refused };
  }

  private async record(
    tx: SqlExecutor,
    callId: string,
    events: readonly CallEvent[],
    actor: string | null,
  ): Promise<CallActivityResult> {
    const published = eventCallId(callId);
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
  }
}

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
   * Records many calls' activity (an imported file) in one transaction per `CHUNK` calls. A call
   * refused for its own sake (an unknown access code, an event after its completion) is left out
   * and answered among `refused`; the others stand. Any other failure fails the whole chunk. The
   * calls that nothing can refuse are recorded together, a dozen statements for all of them (see
   * `recordTogether`); the rest one by one, each behind a savepoint.
   */
  async executeMany(
    calls: readonly { readonly callId: string; readonly events: readonly CallEvent[] }[],
    actor: string | null,
  ): Promise<{ results: CallActivityResult[]; refused: { index: number; error: DomainError }[] }> {
    const results = new Map<number, CallActivityResult>();
    const refused: { index: number; error: DomainError }[] = [];
    for (let start = 0; start < calls.length; start += CHUNK) {
      const chunk = calls
        .slice(start, start + CHUNK)
        .map((call, offset) => ({ ...call, index: start + offset }));
      await this.db.transaction(async (tx) => {
        const alone = await this.recordTogether(tx, chunk, actor, results);
        for (const call of alone) {
          await tx.query('SAVEPOINT call');
          try {
            results.set(call.index, await this.record(tx, call.callId, call.events, actor));
            await tx.query('RELEASE SAVEPOINT call');
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            await tx.query('ROLLBACK TO SAVEPOINT call');
            refused.push({ index: call.index, error });
          }
        }
      });
    }
    return {
      results: [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result),
      refused: refused.sort((a, b) => a.index - b.index),
    };
  }

  /**
   * Records together, as `record` would one by one, the calls of a chunk that nothing can refuse:
   * not completed before, each access code it starts with leading to an active reservation, its
   * id once in the chunk. Answers the others, to be recorded one by one. Should one still turn out
   * refusable (its reservation released meanwhile), the shared work is undone and every call of
   * the chunk is answered, to go one by one.
   */
  private async recordTogether<
    C extends { readonly index: number; readonly callId: string; readonly events: readonly CallEvent[] },
  >(
    tx: SqlExecutor,
    chunk: readonly C[],
    actor: string | null,
    results: Map<number, CallActivityResult>,
  ): Promise<readonly C[]> {
    const completed = await this.calls.completedOf(
      tx,
      chunk.map((c) => c.callId),
    );
    const startCodes = (call: C) =>
      call.events.flatMap((e) => (e.type === 'CALL_STARTED' ? [e.accessCode] : []));
    const reservations = await this.reservations.byAccessCodes(tx, chunk.flatMap(startCodes));
    const seen = new Set<string>();
    const together: C[] = [];
    const alone: C[] = [];
    for (const call of chunk) {
      const simple =
        !seen.has(call.callId) &&
        !completed.has(call.callId) &&
        startCodes(call).every((code) => reservations.has(code));
      seen.add(call.callId);
      (simple ? together : alone).push(call);
    }
    if (together.length === 0) return alone;
    const ids = together.map((c) => c.callId);
    await tx.query('SAVEPOINT together');
    const statuses = await this.calls.openMany(tx, ids);
    const added = await this.calls.addEventsMany(tx, together);
    const stored = await this.calls.eventsOfMany(tx, ids);
    const assemblies = together.map((call) => ({
      call,
      assembly: assembleCall(stored.get(call.callId) ?? []),
    }));
    const complete = assemblies.flatMap(({ call, assembly }) =>
      assembly.complete ? [{ call, assembled: assembly.call }] : [],
    );
    // A call may have started in an earlier request, with an access code not looked up yet.
    const missing = complete.map((c) => c.assembled.accessCode).filter((code) => !reservations.has(code));
    for (const [code, reservation] of await this.reservations.byAccessCodes(tx, missing))
      reservations.set(code, reservation);
    if (
      ids.some((id) => statuses.get(id) !== 'OPEN') ||
      complete.some((c) => !reservations.has(c.assembled.accessCode))
    ) {
      await tx.query('ROLLBACK TO SAVEPOINT together');
      return chunk;
    }
    await this.completion.completeMany(
      tx,
      complete.map(({ call, assembled }) => ({
        callId: call.callId,
        call: assembled,
        reservation: reservations.get(assembled.accessCode)!,
      })),
      actor,
    );
    await tx.query('RELEASE SAVEPOINT together');
    for (const { call, assembly } of assemblies) {
      results.set(call.index, {
        callId: call.callId,
        eventCallId: eventCallId(call.callId),
        status: assembly.complete ? 'COMPLETED' : 'OPEN',
        duplicates: call.events.length - (added.get(call.callId) ?? 0),
      });
    }
    return alone;
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

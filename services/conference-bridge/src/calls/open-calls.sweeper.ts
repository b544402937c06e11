import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ExclusiveLoop, type SqlDatabase } from '@switchboard/database';
import { CONFIG, DATABASE, LOGGER, type Logger } from '@switchboard/service';
import type { BridgeConfig } from '../config.ts';
import { closeOverdueCall } from './call-assembly.ts';
import { CallCompletion } from './call-completion.ts';
import { CallsRepository } from './calls.repository.ts';

/** Advisory lock key of the sweeper: one process per database sweeps. */
const SWEEPER_LOCK = 7_243_004;
/** Calls closed per pass; the next pass follows at once while there are more. */
const BATCH = 100;

/**
 * Closes calls that stay open because their end never came (lost, or reported before the start):
 * once nothing has been reported of a call for OPEN_CALL_TIMEOUT_MINUTES, it completes at its last
 * reported activity — so billing charges what was reported — or, without a reported start, is
 * abandoned; either way it is listed for review (GET /v1/calls/reviews) and logged. Checked every
 * minute (a quarter of the timeout, when that is shorter), by one process per database.
 */
@Injectable()
export class OpenCallsSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ExclusiveLoop;

  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    @Inject(CONFIG) private readonly config: BridgeConfig,
    private readonly calls: CallsRepository,
    private readonly completion: CallCompletion,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new ExclusiveLoop(db, { lockKey: SWEEPER_LOCK, onError: (error) => this.failed(error) });
  }

  onApplicationBootstrap(): void {
    const quietMs = this.config.openCallTimeoutMinutes * 60_000;
    const everyMs = Math.min(60_000, quietMs / 4);
    this.loop.start(async () => {
      const swept = await this.sweep(quietMs);
      if (swept < BATCH) await this.loop.sleeper.sleep(everyMs);
    });
  }

  /** Stops after the call in hand, before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Closes the overdue calls of one batch; how many were looked at. */
  private async sweep(quietMs: number): Promise<number> {
    try {
      const ids = await this.calls.overdue(quietMs, BATCH);
      for (const callId of ids) await this.close(callId, quietMs);
      return ids.length;
    } catch (error) {
      // Tried again at the next pass: a call not closed is still open and overdue.
      this.failed(error);
      return 0;
    }
  }

  private async close(callId: string, quietMs: number): Promise<void> {
    const done = await this.db.transaction(async (tx) => {
      if (!(await this.calls.lockOverdue(tx, callId, quietMs))) return undefined;
      let closing = closeOverdueCall(await this.calls.events(tx, callId));
      if (closing.outcome === 'CLOSED' && !(await this.completion.complete(tx, callId, closing.call, null)))
        closing = {
          outcome: 'ABANDONED',
          reason: `${closing.reason}, but no active reservation has its access code any more`,
        };
      if (closing.outcome === 'ABANDONED') await this.calls.abandon(tx, callId);
      const call = closing.outcome === 'CLOSED' ? closing.call : undefined;
      await this.calls.review(tx, {
        callId,
        outcome: closing.outcome,
        reason: closing.reason,
        startedAt: call?.startedAt ?? null,
        endedAt: call?.endedAt ?? null,
      });
      return closing;
    });
    if (done)
      this.logger.warn(
        { event: 'bridge.call.swept', callId, outcome: done.outcome, reason: done.reason },
        'bridge.call.swept',
      );
  }

  private failed(error: unknown): void {
    this.logger.error({ event: 'bridge.call-sweep.failed', err: error }, 'bridge.call-sweep.failed');
  }
}

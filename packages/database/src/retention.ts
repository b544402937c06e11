import type { SqlDatabase, SqlExecutor } from './sql.ts';
import { ExclusiveLoop } from './work/exclusive-loop.ts';

/**
 * What a service keeps only for a while — the inbox's ids, Idempotency-Keys, the call activity
 * of billed calls, the content of sent mail — and how to drop one batch of what is past its time.
 */
export interface RetentionRule {
  /** What it prunes, as logs and `db_rows_pruned_total{rule}` name it: 'inbox', 'idempotency-keys'. */
  readonly name: string;
  /** Prunes at most `limit` rows past their retention; how many it pruned. */
  pruneBatch(db: SqlExecutor, limit: number): Promise<number>;
}

/** Rows pruned per statement, so that no statement holds its locks for long. */
const BATCH = 5_000;
/** Advisory lock key of the pruner: one process per database prunes. */
const PRUNER_LOCK = 7_243_005;

/** Runs a rule batch after batch until nothing is past its retention; how many rows it pruned. */
export async function pruneExpired(db: SqlExecutor, rule: RetentionRule, limit = BATCH): Promise<number> {
  let pruned = 0;
  for (;;) {
    const count = await rule.pruneBatch(db, limit);
    pruned += count;
    if (count < limit) return pruned;
  }
}

export interface RetentionPrunerOptions {
  /** Pause between two rounds of every rule (default an hour); the first round runs at start. */
  readonly everyMs?: number;
  /** Told what a rule pruned, when it pruned anything. */
  readonly onPruned?: (rule: string, rows: number) => void;
  /** Told about a rule that failed; the others still run, and it runs again next round. */
  readonly onError: (error: unknown, rule?: string) => void;
}

/**
 * Applies a service's retention rules every hour, in one process per database (the others wait
 * on standby), so what the service keeps for a while stays as large as its retention and no larger.
 */
export class RetentionPruner {
  private readonly loop: ExclusiveLoop;

  constructor(
    private readonly db: SqlDatabase,
    private readonly rules: readonly RetentionRule[],
    private readonly options: RetentionPrunerOptions,
  ) {
    this.loop = new ExclusiveLoop(db, { lockKey: PRUNER_LOCK, onError: (error) => options.onError(error) });
  }

  start(): void {
    if (this.rules.length === 0) return;
    this.loop.start(async () => {
      await this.round();
      await this.loop.sleeper.sleep(this.options.everyMs ?? 3_600_000);
    });
  }

  /** One round of every rule; what each pruned. */
  async round(): Promise<Record<string, number>> {
    const pruned: Record<string, number> = {};
    for (const rule of this.rules) {
      try {
        const rows = await pruneExpired(this.db, rule);
        pruned[rule.name] = rows;
        if (rows > 0) this.options.onPruned?.(rule.name, rows);
      } catch (error) {
        this.options.onError(error, rule.name);
      }
    }
    return pruned;
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}

import { randomInt } from 'node:crypto';

/** Every code a generator could still draw was taken, or the draws kept hitting taken ones. */
export class AccessCodesExhaustedError extends Error {
  readonly code = 'ACCESS_CODES_EXHAUSTED';
  constructor(attempts?: number, digits?: number) {
    const kind = digits === undefined ? 'access code' : `${digits}-digit access code`;
    const tried = attempts === undefined ? '' : ` in ${attempts} attempts`;
    super(`no free ${kind} found${tried}; too many codes are in use, try again later`);
  }
}

export interface AccessCodeOptions {
  /** Length of a code, 4 to 12 (the lengths a bridge reports in its call events). Default 8. */
  readonly digits?: number;
  /** Draws before giving up. Default 20. */
  readonly attempts?: number;
  /** A uniform whole number in [0, maxExclusive); `crypto.randomInt` unless given (for tests). */
  readonly random?: (maxExclusive: number) => number;
}

/**
 * Makes the codes callers key in to join a conference: `digits` decimal digits, the first never 0
 * (a leading zero is easily dropped when a code is written down or stored as a number). Codes are
 * drawn uniformly at random, from a cryptographic source by default, so that nobody can guess the
 * code of someone else's conference from their own.
 */
export class AccessCodeGenerator {
  private readonly digits: number;
  private readonly attempts: number;
  private readonly random: (maxExclusive: number) => number;
  private readonly lowest: number;
  private readonly span: number;

  constructor(options: AccessCodeOptions = {}) {
    this.digits = options.digits ?? 8;
    this.attempts = options.attempts ?? 20;
    this.random = options.random ?? randomInt;
    if (!Number.isInteger(this.digits) || this.digits < 4 || this.digits > 12) {
      throw new RangeError(`access codes have 4 to 12 digits, not ${this.digits}`);
    }
    if (!Number.isInteger(this.attempts) || this.attempts < 1) {
      throw new RangeError(`attempts must be a whole number of at least 1, not ${this.attempts}`);
    }
    this.lowest = 10 ** (this.digits - 1);
    this.span = 9 * this.lowest;
  }

  /**
   * A code for which `isTaken` answers false, drawing again while it answers true.
   * @throws AccessCodesExhaustedError after `attempts` taken codes in a row.
   */
  next(isTaken: (code: string) => boolean): string {
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const code = this.draw();
      if (!isTaken(code)) return code;
    }
    throw new AccessCodesExhaustedError(this.attempts, this.digits);
  }

  /**
   * `count` distinct codes none of which `takenAmong` names, for a lookup that answers
   * asynchronously (a database) about many codes at once: each round draws the codes still
   * missing and asks about them together, so a batch costs one lookup, rarely two.
   * @throws AccessCodesExhaustedError when codes are still missing after `attempts` rounds.
   */
  async nextManyAsync(
    count: number,
    takenAmong: (codes: readonly string[]) => Promise<ReadonlySet<string>>,
  ): Promise<string[]> {
    const chosen = new Set<string>();
    for (let attempt = 0; attempt < this.attempts && chosen.size < count; attempt++) {
      const drawn = new Set<string>();
      // A code drawn twice, or already chosen, is a draw lost: it counts towards the rounds.
      for (let i = chosen.size; i < count; i++) {
        const code = this.draw();
        if (!chosen.has(code)) drawn.add(code);
      }
      if (drawn.size === 0) continue;
      const taken = await takenAmong([...drawn]);
      for (const code of drawn) if (!taken.has(code)) chosen.add(code);
    }
    if (chosen.size < count) throw new AccessCodesExhaustedError(this.attempts, this.digits);
    return [...chosen];
  }

  private draw(): string {
    const offset = this.random(this.span);
    // A faulty injected source would otherwise yield codes of the wrong length.
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.span) {
      throw new RangeError(`random(${this.span}) returned ${offset}, outside [0, ${this.span})`);
    }
    return String(this.lowest + offset);
  }
}

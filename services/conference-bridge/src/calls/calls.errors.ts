import { DomainError } from '@switchboard/domain';
import type { CdrProblem } from './cdr-csv.ts';

export class UnknownAccessCodeError extends DomainError {
  readonly code = 'UNKNOWN_ACCESS_CODE';
  constructor() {
    super('no active reservation has this access code');
  }
}

/** A new event for a call already completed: its conference.call-completed is out, unchangeable. */
export class CallCompletedError extends DomainError {
  readonly code = 'CALL_ALREADY_COMPLETED';
  constructor(callId: string) {
    super(`call ${callId} is completed; events that arrive after its completion are not accepted`);
  }
}

export class CdrRejectedError extends DomainError {
  readonly code = 'CDR_REJECTED';
  override readonly details: { readonly problems: readonly CdrProblem[] };
  constructor(problems: readonly CdrProblem[]) {
    super(
      `no call could be imported: ${problems.length} problem(s), the first on line ${problems[0]?.line ?? '?'}`,
    );
    this.details = { problems };
  }
}

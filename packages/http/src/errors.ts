import { DomainError } from '@switchboard/domain';

/** One bad part of a request: where it is (`address.country`, `query.limit`) and what is wrong. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The request does not match its schema; names every bad field. */
export class RequestValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  override readonly details: { readonly errors: readonly FieldProblem[] };

  constructor(readonly errors: readonly FieldProblem[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.details = { errors };
  }
}

/** Statuses of the problems every service can raise; a service adds its own codes. */
export const COMMON_ERROR_STATUS: Readonly<Record<string, number>> = {
  VALIDATION_FAILED: 400,
  INVALID_CURSOR: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
};

/**
 * A rule of the business was broken: an unknown customer, a cancelled order, an invalid cursor.
 * Use cases throw these (never HTTP exceptions); each service's problem filter maps a `code` to an
 * HTTP status and answers RFC 9457 problem+json.
 */
export abstract class DomainError extends Error {
  /** Stable, UPPER_SNAKE identifier of the problem, also the last part of its `type` URI. */
  abstract readonly code: string;
  /** Extra members of the problem document (never personal data). */
  readonly details: Readonly<Record<string, unknown>> = {};

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

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

/** A pagination cursor that this service did not hand out (or that was altered). */
export class InvalidCursorError extends DomainError {
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('cursor is not one this list handed out; start again without it');
  }
}

/** Statuses of the problems every service can raise; a service adds its own codes. */
export const COMMON_ERROR_STATUS: Readonly<Record<string, number>> = {
  VALIDATION_FAILED: 400,
  INVALID_CURSOR: 400,
};

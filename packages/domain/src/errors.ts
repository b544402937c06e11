/**
 * A rule of the business was broken: an unknown customer, a cancelled order, an invalid cursor.
 * Use cases throw these (never transport exceptions); a transport gives each `code` its meaning —
 * `@switchboard/http` maps it to an HTTP status and answers RFC 9457 problem+json, the bus treats
 * it as a failure of the event.
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

/** A pagination cursor that this service did not hand out (or that was altered). */
export class InvalidCursorError extends DomainError {
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('cursor is not one this list handed out; start again without it');
  }
}

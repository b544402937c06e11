/** Base of every error this package raises on purpose; the message names the cause. */
export class MessagingError extends Error {
  override readonly name: string = 'MessagingError';
}

/**
 * A record that cannot be decoded (bad magic byte, unknown schema id, corrupt bytes). It is parked
 * in the dead-letter topic at once: retrying cannot fix it.
 */
export class UndecodableMessageError extends MessagingError {
  override readonly name = 'UndecodableMessageError';
}

/**
 * An event that decodes but makes no sense (a producer that does not own its topic, a time far off,
 * a call that ends before it starts). It is parked in the dead-letter topic at once, with the
 * reason, and never applied: retrying cannot fix it.
 */
export class ImplausibleEventError extends MessagingError {
  override readonly name = 'ImplausibleEventError';
}

/**
 * An event whose encoded value is larger than the bus allows (`MAX_EVENT_BYTES`). Nothing is
 * published or written to the outbox: the event must carry its documents by reference.
 */
export class EventTooLargeError extends MessagingError {
  override readonly name = 'EventTooLargeError';

  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `event for ${topic} is ${bytes} bytes encoded, over the bus's bound of ${limit} bytes per event: ` +
        'carry documents and bulk data by reference (a URL and its SHA-256), not inside the event',
    );
  }
}

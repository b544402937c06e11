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

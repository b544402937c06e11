/**
 * A failure the user can act on. The CLI prints its message alone, without a stack trace, so the
 * message must name the cause and the way out.
 */
export class StackError extends Error {
  override readonly name = 'StackError';
}

/** Why an attempt to hand an email to the SMTP server failed, fit for logs and the database. */
export interface SendFailure {
  /** The error's code and message, with every email address replaced by `<address>`. */
  readonly reason: string;
  /**
   * The server refused this very message for good (a 5xx answer to its sender, recipient or
   * content): sending it again would get the same answer. Everything else — the server down,
   * refusing connections, answering 4xx, a timeout, even a rejected login (a configuration
   * problem that an operator fixes) — is worth another attempt.
   */
  readonly permanent: boolean;
}

const ADDRESS = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g;

/** Replaces every email address in a text with `<address>`: logs hold no personal data. */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, '<address>');
}

interface SmtpError {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly permanent?: unknown;
}

/** Describes a failed send (nodemailer's errors carry `code`, `responseCode` and `permanent`). */
export function describeSendFailure(error: unknown): SendFailure {
  const e: SmtpError = typeof error === 'object' && error !== null ? error : {};
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const responseCode = typeof e.responseCode === 'number' ? ` ${e.responseCode}` : '';
  const reason = withoutAddresses(`${code}${responseCode}: ${message}`).replace(/\s+/g, ' ').slice(0, 500);
  const permanent = e.permanent === true && (code === 'EENVELOPE' || code === 'EMESSAGE');
  return { reason, permanent };
}

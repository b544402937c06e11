/** A message as the mail server's HTTP API reports it. */
export interface DeliveredMail {
  readonly id: string;
  /** Its Message-ID header, without the angle brackets ('' where it had none). */
  readonly messageId: string;
  readonly subject: string;
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly text: string;
  readonly attachments: readonly { readonly fileName: string; readonly contentType: string }[];
}

interface MailDevAddress {
  address: string;
}

interface MailDevMessage {
  id: string;
  messageId?: string;
  subject?: string;
  from?: MailDevAddress[];
  to?: MailDevAddress[];
  text?: string;
  attachments?: { generatedFileName?: string; fileName?: string; contentType?: string }[];
}

/** Reads the mail delivered to a MailDev server over its HTTP API. */
export class MailReader {
  constructor(private readonly apiUrl: string) {}

  /** Every message the server holds, oldest first. */
  async all(): Promise<DeliveredMail[]> {
    const response = await fetch(`${this.apiUrl}/email`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET ${this.apiUrl}/email answered HTTP ${response.status}`);
    const messages = (await response.json()) as MailDevMessage[];
    return messages.map((m) => ({
      id: m.id,
      messageId: m.messageId ?? '',
      subject: m.subject ?? '',
      from: (m.from ?? []).map((a) => a.address),
      to: (m.to ?? []).map((a) => a.address),
      text: m.text ?? '',
      attachments: (m.attachments ?? []).map((a) => ({
        fileName: a.fileName ?? a.generatedFileName ?? '',
        contentType: a.contentType ?? '',
      })),
    }));
  }

  /** The bytes of one attachment of a delivered message, by the file name it was sent with. */
  async attachment(messageId: string, fileName: string): Promise<Buffer> {
    const message = `${this.apiUrl}/email/${encodeURIComponent(messageId)}`;
    const described = await fetch(message, { signal: AbortSignal.timeout(5000) });
    if (!described.ok) throw new Error(`GET ${message} answered HTTP ${described.status}`);
    // MailDev stores an attachment under a name of its own.
    const stored = ((await described.json()) as MailDevMessage).attachments?.find(
      (a) => a.fileName === fileName,
    );
    if (!stored?.generatedFileName) throw new Error(`message ${messageId} has no attachment ${fileName}`);
    const url = `${message}/attachment/${encodeURIComponent(stored.generatedFileName)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** Messages addressed to one recipient. */
  async to(address: string): Promise<DeliveredMail[]> {
    const wanted = address.toLowerCase();
    return (await this.all()).filter((m) => m.to.some((a) => a.toLowerCase() === wanted));
  }
}

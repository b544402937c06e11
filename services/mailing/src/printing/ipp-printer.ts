import ipp from 'ipp-encoder';
import type { Printer, PrintJob } from './printer.ts';

const C = ipp.CONSTANTS as Readonly<
  Record<
    | 'PRINT_JOB'
    | 'OPERATION_ATTRIBUTES_TAG'
    | 'CHARSET'
    | 'NATURAL_LANG'
    | 'URI'
    | 'NAME_WITHOUT_LANG'
    | 'MIME_MEDIA_TYPE',
    number
  >
>;

export interface PrintJobRequest {
  /** The printer's URI as configured (`ipp://print.example:631/printers/letters`). */
  readonly printerUri: string;
  readonly jobName: string;
  readonly document: Buffer;
  readonly requestId: number;
  readonly userName?: string;
}

/**
 * An IPP/1.1 Print-Job request (RFC 8011 §4.2.1) for a PDF: the operation attributes in the order
 * the RFC requires (charset, natural language, printer URI first), then the document.
 */
export function encodePrintJob(request: PrintJobRequest): Buffer {
  const message = {
    version: { major: 1, minor: 1 },
    operationId: C.PRINT_JOB,
    requestId: request.requestId,
    groups: [
      {
        tag: C.OPERATION_ATTRIBUTES_TAG,
        attributes: [
          { tag: C.CHARSET, name: 'attributes-charset', value: 'utf-8' },
          { tag: C.NATURAL_LANG, name: 'attributes-natural-language', value: 'en' },
          { tag: C.URI, name: 'printer-uri', value: request.printerUri },
          {
            tag: C.NAME_WITHOUT_LANG,
            name: 'requesting-user-name',
            value: request.userName ?? 'switchboard-mailing',
          },
          { tag: C.NAME_WITHOUT_LANG, name: 'job-name', value: request.jobName },
          { tag: C.MIME_MEDIA_TYPE, name: 'document-format', value: 'application/pdf' },
        ],
      },
    ],
    data: request.document,
  };
  // Into a buffer of our own: without one, ipp-encoder uses the deprecated `new Buffer()`.
  return ipp.request.encode(message, Buffer.alloc(ipp.request.encodingLength(message)));
}

/**
 * The HTTP URL an IPP URI is reached at: `ipp://` is HTTP and `ipps://` HTTPS, on port 631 unless
 * the URI names one (RFC 8010 §5, RFC 7472); `http(s)://` URLs are used as they are.
 */
export function ippHttpUrl(printerUrl: string): string {
  const url = new URL(printerUrl);
  if (url.protocol !== 'ipp:' && url.protocol !== 'ipps:') return url.toString();
  const port = url.port === '' ? '631' : url.port;
  const scheme = url.protocol === 'ipps:' ? 'https' : 'http';
  return `${scheme}://${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${port}${url.pathname}${url.search}`;
}

/** The printer refused a job, or answered something that is not IPP. */
export class PrinterError extends Error {
  override readonly name = 'PrinterError';
}

/**
 * Sends each letter to an IPP printer as one Print-Job, named `<campaignId>/<customerId>`.
 * Delivery is at least once: when the service stops between the printer's answer and the
 * recipient's commit, the resumed campaign sends that letter again, and an IPP printer — unlike
 * the spool, whose file name absorbs the repeat — prints it twice.
 */
export class IppPrinter implements Printer {
  readonly kind = 'ipp';
  private requestId = 0;
  private readonly endpoint: string;

  constructor(
    private readonly printerUrl: string,
    private readonly timeoutMs = 60_000,
  ) {
    this.endpoint = ippHttpUrl(printerUrl);
  }

  async print(job: PrintJob): Promise<void> {
    this.requestId = (this.requestId % 0x7fffffff) + 1;
    const body = encodePrintJob({
      printerUri: this.printerUrl,
      jobName: `${job.campaignId}/${job.customerId}`,
      document: job.pdf,
      requestId: this.requestId,
    });
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/ipp' },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new PrinterError(`the printer answered HTTP ${response.status}`);
    const answer = Buffer.from(await response.arrayBuffer());
    if (answer.length < 8) throw new PrinterError('the printer answered something that is not IPP');
    const { statusCode } = ipp.response.decode(answer);
    // 0x0000–0x00ff are the successful-ok statuses.
    if (statusCode > 0x00ff) {
      const status = ipp.STATUS_CODES[statusCode] ?? `0x${statusCode.toString(16).padStart(4, '0')}`;
      throw new PrinterError(`the printer refused the job: ${status}`);
    }
  }
}

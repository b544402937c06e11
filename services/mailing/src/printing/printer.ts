/** One campaign letter, ready to print. */
export interface PrintJob {
  readonly campaignId: string;
  readonly customerId: string;
  readonly pdf: Buffer;
}

/** Where campaign letters go: an IPP printer, or the print-spool folder. */
export interface Printer {
  /** `ipp` or `spool`, for logs and span attributes. */
  readonly kind: 'ipp' | 'spool';
  /** Resolves once the printer (or the spool) holds the letter. */
  print(job: PrintJob): Promise<void>;
}

/** Injection token of the service's Printer. */
export const PRINTER = Symbol('PRINTER');

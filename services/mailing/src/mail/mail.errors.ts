import { DomainError } from '@switchboard/domain';

/**
 * An invoice event whose PDF is somewhere other than billing's API. Mailing fetches documents only
 * from the services it is configured to trust (BILLING_URL), never from wherever an event says.
 */
export class UntrustedDocumentError extends DomainError {
  readonly code = 'UNTRUSTED_DOCUMENT';
  constructor(invoiceId: string, url: string, billingUrl: string) {
    super(
      `the PDF of invoice ${invoiceId} is at ${url}, outside billing's API at ${billingUrl} (BILLING_URL): not fetched`,
    );
  }
}

/** An attachment that could not be fetched, or was not the document the event described. */
export class AttachmentFetchError extends Error {
  override readonly name = 'AttachmentFetchError';
}

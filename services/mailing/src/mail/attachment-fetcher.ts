import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ClientCredentials } from '@switchboard/config';
import { injectTraceContext } from '@switchboard/messaging';
import { CONFIG } from '@switchboard/service';
import type { MailingConfig } from '../config.ts';
import { AttachmentFetchError } from './mail.errors.ts';
import type { AttachmentRef } from './messages.ts';

const tracer = trace.getTracer('@switchboard/mailing');
/** How long one fetch may take. */
const TIMEOUT_MS = 30_000;
/** The largest document mailing attaches (an invoice PDF of thousands of calls is a few MB). */
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * Fetches the documents emails attach, from the URL their event gave (its owner's API), when the
 * email is sent: a GET in a CLIENT span whose context travels in `traceparent`, so billing's
 * answer is part of the invoice's trace, with a bearer token of mailing's own client (scope
 * billing.invoices:read). Fails with AttachmentFetchError — and the dispatcher
 * tries again later — when the server does not answer 200 with the document, or the document's
 * SHA-256 is not the one the event gave: an email never goes out without its attachment, nor with
 * another one.
 */
@Injectable()
export class AttachmentFetcher {
  private readonly credentials: ClientCredentials;

  constructor(@Inject(CONFIG) config: MailingConfig) {
    this.credentials = new ClientCredentials(config.client);
  }

  async fetch(ref: AttachmentRef, signal: AbortSignal): Promise<Buffer> {
    const span = tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'GET', 'url.full': ref.url },
    });
    try {
      return await context.with(trace.setSpan(context.active(), span), async () => {
        const token = await this.credentials.token(['billing.invoices:read']).catch((error: unknown) => {
          throw new AttachmentFetchError(`no token to fetch ${ref.url} with: ${(error as Error).message}`);
        });
        const headers: Record<string, string> = { Accept: ref.mediaType, Authorization: `Bearer ${token}` };
        injectTraceContext(headers);
        const response = await fetch(ref.url, {
          headers,
          signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
        }).catch((error: unknown) => {
          throw new AttachmentFetchError(`GET ${ref.url} failed: ${(error as Error).message}`);
        });
        span.setAttribute('http.response.status_code', response.status);
        if (response.status !== 200) {
          await response.body?.cancel();
          throw new AttachmentFetchError(`GET ${ref.url} answered ${response.status}`);
        }
        const length = Number(response.headers.get('content-length') ?? 0);
        if (length > MAX_BYTES) {
          await response.body?.cancel();
          throw new AttachmentFetchError(`GET ${ref.url} answered ${length} bytes, over ${MAX_BYTES}`);
        }
        const bytes = Buffer.from(await response.arrayBuffer());
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (ref.sha256 !== null && sha256 !== ref.sha256) {
          throw new AttachmentFetchError(
            `GET ${ref.url} answered a document whose SHA-256 is ${sha256}, not ${ref.sha256} as the event says`,
          );
        }
        return bytes;
      });
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
      throw error;
    } finally {
      span.end();
    }
  }
}

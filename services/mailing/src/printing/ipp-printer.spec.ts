import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import ipp from 'ipp-encoder';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePrintJob, IppPrinter, ippHttpUrl } from './ipp-printer.ts';

const C = ipp.CONSTANTS;
const pdf = Buffer.from('%PDF-1.3\nletter bytes\n%%EOF');

const attributesOf = (request: ReturnType<typeof ipp.request.decode>) =>
  Object.fromEntries(
    (request.groups[0]?.attributes ?? []).map((a) => [a.name, { tag: a.tag, value: a.value[0] }]),
  );

describe('encodePrintJob', () => {
  it('encodes a Print-Job for a PDF that an IPP server decodes as sent', () => {
    const encoded = encodePrintJob({
      printerUri: 'ipp://print.example/printers/letters',
      jobName: 'c0ffee00-0000-4000-8000-000000000001/c0ffee00-0000-4000-8000-000000000002',
      document: pdf,
      requestId: 7,
    });
    const request = ipp.request.decode(encoded);
    expect(request.version).toEqual({ major: 1, minor: 1 });
    expect(request.operationId).toBe(C.PRINT_JOB);
    expect(request.requestId).toBe(7);
    expect(request.groups).toHaveLength(1);
    expect(request.groups[0]?.tag).toBe(C.OPERATION_ATTRIBUTES_TAG);
    // RFC 8011: charset, natural language and the target come first, in this order.
    expect(request.groups[0]?.attributes.slice(0, 3).map((a) => a.name)).toEqual([
      'attributes-charset',
      'attributes-natural-language',
      'printer-uri',
    ]);
    expect(attributesOf(request)).toEqual({
      'attributes-charset': { tag: C.CHARSET, value: 'utf-8' },
      'attributes-natural-language': { tag: C.NATURAL_LANG, value: 'en' },
      'printer-uri': { tag: C.URI, value: 'ipp://print.example/printers/letters' },
      'requesting-user-name': { tag: C.NAME_WITHOUT_LANG, value: 'switchboard-mailing' },
      'job-name': {
        tag: C.NAME_WITHOUT_LANG,
        value: 'c0ffee00-0000-4000-8000-000000000001/c0ffee00-0000-4000-8000-000000000002',
      },
      'document-format': { tag: C.MIME_MEDIA_TYPE, value: 'application/pdf' },
    });
    expect(encoded.subarray(ipp.request.decode.bytes).equals(pdf)).toBe(true);
  });
});

describe('ippHttpUrl', () => {
  it('reaches ipp:// over HTTP on port 631 unless the URI names a port', () => {
    expect(ippHttpUrl('ipp://print.example/printers/letters')).toBe(
      'http://print.example:631/printers/letters',
    );
    expect(ippHttpUrl('ipp://print.example:8631/ipp/print')).toBe('http://print.example:8631/ipp/print');
    expect(ippHttpUrl('ipps://print.example/ipp/print')).toBe('https://print.example:631/ipp/print');
    expect(ippHttpUrl('http://127.0.0.1:9100/ipp')).toBe('http://127.0.0.1:9100/ipp');
  });
});

describe('IppPrinter', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A printer answering each job with `statusCode`, keeping what it received. */
  const printer = async (statusCode: number) => {
    const received: { contentType: string | undefined; body: Buffer }[] = [];
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        received.push({ contentType: request.headers['content-type'], body });
        const { requestId } = ipp.request.decode(body);
        const answer = { statusCode, requestId, groups: [] };
        response.writeHead(200, { 'Content-Type': 'application/ipp' });
        response.end(ipp.response.encode(answer, Buffer.alloc(ipp.response.encodingLength(answer))));
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `ipp://127.0.0.1:${port}/printers/letters`, received };
  };

  it('posts one application/ipp Print-Job per letter, named <campaignId>/<customerId>', async () => {
    const { url, received } = await printer(C.SUCCESSFUL_OK ?? 0);
    await new IppPrinter(url).print({ campaignId: 'c1', customerId: 'u1', pdf });
    expect(received).toHaveLength(1);
    expect(received[0]?.contentType).toBe('application/ipp');
    const request = ipp.request.decode(received[0]?.body ?? Buffer.alloc(0));
    expect(attributesOf(request)['job-name']?.value).toBe('c1/u1');
    expect(attributesOf(request)['printer-uri']?.value).toBe(url);
  });

  it('fails when the printer refuses the job', async () => {
    const { url } = await printer(C.SERVER_ERROR_NOT_ACCEPTING_JOBS ?? 0x0506);
    await expect(new IppPrinter(url).print({ campaignId: 'c1', customerId: 'u1', pdf })).rejects.toThrow(
      'the printer refused the job: server-error-not-accepting-jobs',
    );
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CustomerSegment, EventOf } from '@switchboard/contracts';
import {
  stackEndpoints,
  testClient,
  testMeta,
  type TestService,
  testSmtp,
  waitFor,
} from '@switchboard/testing';
import { loadConfig } from '../src/config.ts';

/** mailing's own settings for a test: the stack's SMTP server and the test's spool folder. */
export function mailingConfig(
  printSpoolDir: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const defaults = loadConfig({
    OIDC_CLIENT_SECRET: 'not used: the tests set their own client',
    KAFKA_SASL_PASSWORD: 'not used: the tests connect as their own Kafka principal',
  });
  const { username, password, caFile } = testSmtp();
  return {
    smtpUrl: stackEndpoints().smtpUrl,
    // The stack's SMTP server takes its one user, over TLS with the certificate the stack made.
    smtp: {
      ...(username && password && { auth: { user: username, pass: password } }),
      ...(caFile && { caFile }),
      requireTls: false,
    },
    mailFrom: defaults.mailFrom,
    printerUrl: undefined,
    printSpoolDir,
    campaignPaceMs: 0,
    mailRetryMaxDelayMs: 2_000,
    billingUrl: defaults.billingUrl,
    sentMailRetentionDays: defaults.sentMailRetentionDays,
    client: testClient(),
    ...overrides,
  };
}

/** An address no other test (MailDev is shared) writes to. */
export const uniqueEmail = (what: string): string =>
  `${what}-${randomUUID().slice(0, 8)}@mailing-test.example`;

/** crm.customer-registered for a new customer, as crm would publish it. */
export function customerRegistered(
  fields: {
    customerId?: string;
    name?: string;
    email?: string;
    segment?: CustomerSegment;
    country?: string;
    marketingConsent?: boolean;
    occurredAt?: number;
  } = {},
): EventOf<'crm.customer-registered.v1'> {
  const meta = testMeta('crm');
  return {
    meta: fields.occurredAt === undefined ? meta : { ...meta, occurredAt: fields.occurredAt },
    customerId: fields.customerId ?? randomUUID(),
    name: fields.name ?? 'Muster GmbH',
    email: fields.email ?? uniqueEmail('customer'),
    phone: null,
    address: {
      street: 'Hauptstr. 1',
      postalCode: '10115',
      city: 'Berlin',
      region: null,
      country: fields.country ?? 'DE',
    },
    segment: fields.segment ?? 'SMALL_BUSINESS',
    marketingConsent: fields.marketingConsent ?? true,
  };
}

/** One row of a query on the service's own database (a test's view behind the API). */
export async function rowOf<T>(
  service: TestService,
  sql: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  const { rows } = await service.running.database.db.query<T>(sql, params);
  return rows[0];
}

/** Waits until the service handled (or skipped as a repeat) every one of these events. */
export function handled(service: TestService, ...eventIds: string[]): Promise<true> {
  return waitFor(
    async () => {
      const row = await rowOf<{ n: number }>(
        service,
        'SELECT count(*)::int AS n FROM messaging_inbox WHERE event_id = ANY($1::uuid[])',
        [eventIds],
      );
      return row?.n === eventIds.length ? true : undefined;
    },
    { description: `mailing to handle ${eventIds.length} event(s)`, timeoutMs: 30_000 },
  );
}

/** Waits until every event the service committed has been published. */
export function drained(service: TestService): Promise<true> {
  return waitFor(
    async () => {
      const row = await rowOf<{ n: number }>(service, 'SELECT count(*)::int AS n FROM messaging_outbox');
      return row?.n === 0 ? true : undefined;
    },
    { description: 'the outbox to be published' },
  );
}

/**
 * A TCP proxy in front of an SMTP server that answers its first `refusals` connections with
 * `421 try later` and hangs up, then passes connections through: an SMTP server that is down for
 * a while.
 */
export async function flakySmtpServer(
  target: string,
  refusals: number,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    connections += 1;
    if (connections <= refusals) {
      client.end('421 4.3.2 try later\r\n');
      return;
    }
    const server = createConnection({ host: upstream.hostname, port: Number(upstream.port || 25) });
    sockets.add(server);
    server.on('close', () => sockets.delete(server));
    server.on('error', () => client.destroy());
    client.pipe(server).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // The same scheme: TLS from the start passes through untouched (the certificate names 127.0.0.1).
    url: `${upstream.protocol}//127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * An HTTP server on loopback in billing's place, serving invoice PDFs where billing does
 * (`/v1/invoices/{id}/pdf`): this suite publishes billing's events, so it serves what they point to.
 * It can answer 503 for a while, or serve other bytes than the event's SHA-256 says.
 */
export async function billingDocuments(): Promise<{
  url: string;
  /** Serves a PDF for an invoice; answers the event's `document`. */
  serve(invoiceId: string, pdf: Buffer): EventOf<'billing.invoice-issued.v1'>['document'];
  /** Serves other bytes at an invoice's URL (the event's SHA-256 stays). */
  replace(invoiceId: string, bytes: Buffer): void;
  /** Answers the next `count` requests 503. */
  unavailableFor(count: number): void;
  /** Requests for an invoice's PDF so far. */
  requests(invoiceId: string): number;
  close(): Promise<void>;
}> {
  const documents = new Map<string, Buffer>();
  const counts = new Map<string, number>();
  let unavailable = 0;
  const server = createHttpServer((request, response) => {
    const invoiceId = /^\/v1\/invoices\/([^/]+)\/pdf$/.exec(request.url ?? '')?.[1] ?? '';
    counts.set(invoiceId, (counts.get(invoiceId) ?? 0) + 1);
    const pdf = documents.get(invoiceId);
    if (unavailable > 0) {
      unavailable -= 1;
      response.writeHead(503).end();
    } else if (!pdf) {
      response.writeHead(404).end();
    } else {
      response.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': pdf.length }).end(pdf);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    serve(invoiceId, pdf) {
      documents.set(invoiceId, pdf);
      return {
        url: `${url}/v1/invoices/${invoiceId}/pdf`,
        sha256: createHash('sha256').update(pdf).digest('hex'),
        sizeBytes: pdf.length,
        mediaType: 'application/pdf',
      };
    },
    replace: (invoiceId, bytes) => void documents.set(invoiceId, bytes),
    unavailableFor: (count) => void (unavailable = count),
    requests: (invoiceId) => counts.get(invoiceId) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** conference.bridge-reserved for a customer's booking, as the bridge would publish it. */
export function bridgeReserved(
  customerId: string,
  fields: { orderId?: string; reservationId?: string; accessCode?: string } = {},
): EventOf<'conference.bridge-reserved.v1'> {
  const orderId = fields.orderId ?? randomUUID();
  const startsAt = Date.UTC(2031, 2, 4, 9, 30);
  return {
    meta: testMeta('conference-bridge', orderId),
    orderId,
    reservationId: fields.reservationId ?? randomUUID(),
    customerId,
    bridgeId: 'bridge-1',
    dialInNumber: '+49 30 5550100',
    accessCode: fields.accessCode ?? String(10_000_000 + Math.floor(Math.random() * 89_999_999)),
    startsAt,
    endsAt: startsAt + 3_600_000,
    ports: 12,
  };
}

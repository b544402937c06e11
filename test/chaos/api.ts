import { setTimeout as sleep } from 'node:timers/promises';
import { scopesOf } from '@switchboard/contracts';
import { accessToken } from '@switchboard/testing';
import type { ServiceName } from '../e2e/system.ts';

export type Body = Record<string, unknown>;

export interface Answer {
  readonly status: number;
  readonly body: Body;
}

/** An answer the caller may retry: the service, or one it depends on, is not there for a moment. */
const transient = (status: number): boolean => status === 429 || status >= 500;

/**
 * The public APIs as a client system calls them through a fault: a request that fails in transit
 * (connection refused or reset, no answer within 15 s) or answers 429 or 5xx is sent again with
 * backoff, with the same body and Idempotency-Key, until `patienceMs` has passed. Any other answer
 * is the caller's to judge.
 */
export class Api {
  /** Requests sent again after a failure in transit or a transient answer. */
  retries = 0;

  constructor(
    private readonly urls: Readonly<Record<ServiceName, string>>,
    private readonly patienceMs = 300_000,
  ) {}

  async send(
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const deadline = Date.now() + this.patienceMs;
    let delay = 200;
    let last: string;
    for (;;) {
      try {
        const response = await fetch(`${this.urls[service]}${path}`, {
          method,
          headers: {
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
            Authorization: `Bearer ${await accessToken(scopesOf(service))}`,
            ...headers,
          },
          // A string goes as it is, in the Content-Type the caller names (a CSV file, say).
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        if (!transient(response.status)) {
          return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Body };
        }
        last = `HTTP ${response.status} ${text.slice(0, 200)}`;
      } catch (error) {
        last = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      if (Date.now() + delay > deadline) {
        throw new Error(
          `${method} ${service} ${path}: no answer but failures for ${this.patienceMs} ms (${last})`,
        );
      }
      this.retries += 1;
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }

  /** Sends, and fails naming the answer unless it has the expected status. */
  async expect(
    status: number,
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Body> {
    const answer = await this.send(service, method, path, body, headers);
    if (answer.status !== status) {
      throw new Error(
        `${method} ${service} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
    return answer.body;
  }

  /** Every item of a list route, following its cursors (100 per page). */
  async all(service: ServiceName, path: string): Promise<Body[]> {
    const items: Body[] = [];
    let cursor: string | undefined;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await this.expect(
        200,
        service,
        'GET',
        `${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items.push(...((page.items as Body[] | undefined) ?? []));
      cursor = (page.nextCursor as string | null | undefined) ?? undefined;
    } while (cursor);
    return items;
  }
}

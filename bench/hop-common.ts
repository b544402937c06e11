/**
 * What the benchmark's hop shares between its driver and its two service processes (the bus's and
 * the NestJS Kafka transport's): the topics, the consumer's name, the event it emits and its
 * database.
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { EventOf } from '@switchboard/contracts';
import { pgliteDatabase, postgresDatabase, type SqlDatabase } from '@switchboard/database';
import pg from 'pg';

export const PLACED = 'orders.order-placed.v1';
export const RESERVED = 'conference.bridge-reserved.v1';
export const SERVICE = 'bench-hop';

export type Placed = EventOf<typeof PLACED>;
export type Reserved = EventOf<typeof RESERVED>;

/** The event the hop emits for an order; `startsAt` carries the first record's production time. */
export function reservationFor(order: Placed, producer: string): Reserved {
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: Date.now(),
      producer,
      correlationId: order.meta.correlationId,
      causationId: order.meta.eventId,
      actor: order.meta.actor,
    },
    orderId: order.orderId,
    reservationId: randomUUID(),
    customerId: order.customerId,
    bridgeId: 'bridge-1',
    dialInNumber: '+4930123456',
    accessCode: '123456',
    startsAt: order.meta.occurredAt,
    endsAt: order.meta.occurredAt,
    ports: 1,
  };
}

/** The hop's database: the PostgreSQL at `url` (a pool of 8), or an in-process PGlite when empty. */
export async function openHopDatabase(url: string): Promise<{ db: SqlDatabase; close: () => Promise<void> }> {
  if (url === '') {
    const instance = new PGlite();
    return { db: pgliteDatabase(instance), close: () => instance.close() };
  }
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  return { db: postgresDatabase(pool), close: () => pool.end() };
}

/**
 * A hop service's side of the driver's IPC protocol: says `ready` now; on `start` runs `start`
 * and says `started`; on `stop` runs `stop` and lets the process end.
 */
export function serveHop(hop: { start(): Promise<void>; stop(): Promise<void> }): void {
  const fail = (error: unknown): void => {
    console.error(error);
    process.exit(1);
  };
  process.on('message', (message) => {
    if (message === 'start') {
      hop.start().then(() => process.send?.('started'), fail);
    } else if (message === 'stop') {
      hop.stop().then(() => process.disconnect?.(), fail);
    }
  });
  process.send?.('ready');
}

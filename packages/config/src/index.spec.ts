import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  httpServerEnv,
  parseEnv,
  SERVICE_GLIBC_TUNABLES,
  serviceConfigOf,
  serviceEnv,
  serviceGlibcTunables,
} from './index.ts';

const schema = z.object({ ...httpServerEnv(3001), KAFKA_BROKERS: z.string().min(1) });

describe('parseEnv', () => {
  it('applies defaults and coerces numbers', () => {
    expect(parseEnv(schema, { KAFKA_BROKERS: 'k:9092', PORT: '4001' })).toEqual({
      HOST: '127.0.0.1',
      PORT: 4001,
      KAFKA_BROKERS: 'k:9092',
    });
  });

  it('names every bad or missing variable in one error', () => {
    const attempt = () => parseEnv(schema, { PORT: 'eighty' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT: .*\n.*KAFKA_BROKERS: /);
  });
});

describe('serviceConfigOf', () => {
  const load = (env: NodeJS.ProcessEnv) =>
    serviceConfigOf(
      'orders',
      parseEnv(z.object(serviceEnv('orders', 3001)), { KAFKA_SASL_PASSWORD: 'p', ...env }),
    );

  it('runs on PGlite under DATA_DIR without DATABASE_URL, on a developer machine', () => {
    expect(load({ DATA_DIR: '/tmp/orders' })).toMatchObject({
      databaseUrl: undefined,
      dataDir: '/tmp/orders',
    });
  });

  it('refuses PGlite in production, naming DATABASE_URL', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => load({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL: required when NODE_ENV=production/);
    expect(load({ NODE_ENV: 'production', DATABASE_URL: 'postgres://orders@db/orders' })).toMatchObject({
      production: true,
      databaseUrl: 'postgres://orders@db/orders',
    });
  });
});

describe('serviceGlibcTunables', () => {
  it("adds the allocator's threshold to the environment's own tunables, and keeps a threshold it sets", () => {
    expect(serviceGlibcTunables({})).toEqual({ GLIBC_TUNABLES: SERVICE_GLIBC_TUNABLES });
    expect(serviceGlibcTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toEqual({
      GLIBC_TUNABLES: `glibc.malloc.arena_max=2:${SERVICE_GLIBC_TUNABLES}`,
    });
    expect(serviceGlibcTunables({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' })).toEqual({
      GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536',
    });
  });
});

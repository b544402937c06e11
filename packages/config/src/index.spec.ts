import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, httpServerEnv, parseEnv } from './index.ts';

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

import { describe, expect, it } from 'vitest';
import { loadConfig as load } from './config.ts';

/** The configuration with its Kafka principal's password given, as every deployment must. */
const loadConfig = (env: NodeJS.ProcessEnv) => load({ KAFKA_SASL_PASSWORD: 'p', ...env });

describe('conference-bridge configuration', () => {
  it('has one bridge of 100 ports by default', () => {
    expect(loadConfig({}).bridges).toEqual([
      { id: 'bridge-1', name: 'Main bridge', dialInNumber: '+49 30 5550100', ports: 100 },
    ]);
  });

  it('names BRIDGES when it is not JSON or a bridge is incomplete', () => {
    expect(() => loadConfig({ BRIDGES: 'two bridges' })).toThrow(/BRIDGES: BRIDGES must be a JSON array/);
    expect(() => loadConfig({ BRIDGES: '[{"id":"b","name":"B","dialInNumber":"+49 30 5550100"}]' })).toThrow(
      /BRIDGES\.0\.ports/,
    );
  });

  it('reads the database, Kafka and registry of the environment', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/',
      DATABASE_URL: 'postgres://u:p@db:5432/conference_bridge',
    });
    expect(config).toMatchObject({
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      schemaRegistryUrl: 'http://registry:8081',
      databaseUrl: 'postgres://u:p@db:5432/conference_bridge',
      dataDir: '.data/conference-bridge',
    });
    expect(() => loadConfig({ KAFKA_BROKERS: 'nohost' })).toThrow(/KAFKA_BROKERS/);
  });
});

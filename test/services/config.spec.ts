import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVICES = ['orders', 'conference-bridge', 'billing', 'crm', 'mailing'] as const;

/** What a service needs besides the defaults: mailing calls billing as its own OAuth 2.0 client. */
const REQUIRED: Partial<Record<(typeof SERVICES)[number], NodeJS.ProcessEnv>> = {
  mailing: { OIDC_CLIENT_SECRET: 'a-secret-of-its-own' },
};
/** Every service connects to Kafka as its own principal. */
const KAFKA = { KAFKA_SASL_PASSWORD: 'kafka-pa55word' };

describe.each(SERVICES)('service %s', (name) => {
  it('fails at boot naming a bad PORT', async () => {
    const { loadConfig } = (await import(`../../services/${name}/src/config.ts`)) as {
      loadConfig: (env: NodeJS.ProcessEnv) => unknown;
    };
    expect(() => loadConfig({ ...REQUIRED[name], ...KAFKA, PORT: 'eighty' })).toThrow(/PORT/);
    expect(loadConfig({ ...REQUIRED[name], ...KAFKA })).toMatchObject({
      host: '127.0.0.1',
      security: { issuer: 'http://127.0.0.1:8180/realms/switchboard', audience: name },
    });
  });

  it('connects to Kafka as a principal of its own, whose password it needs and never shows', async () => {
    const { loadConfig } = (await import(`../../services/${name}/src/config.ts`)) as {
      loadConfig: (env: NodeJS.ProcessEnv) => { kafkaSecurity: unknown };
    };
    expect(() => loadConfig({ ...REQUIRED[name] })).toThrow(
      new RegExp(`KAFKA_SASL_PASSWORD: the password of the Kafka principal ${name} is required`),
    );
    const config = loadConfig({ ...REQUIRED[name], ...KAFKA });
    expect(config.kafkaSecurity).toMatchObject({
      protocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'SCRAM-SHA-512', username: name, password: 'kafka-pa55word' },
    });
    expect(JSON.stringify(config)).not.toContain('kafka-pa55word');
    // A broker without SASL (a throw-away container) takes no password.
    expect(loadConfig({ ...REQUIRED[name], KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }).kafkaSecurity).toEqual({
      protocol: 'PLAINTEXT',
    });
  });

  it('takes its database URL, which carries its password, from DATABASE_URL_FILE too', async () => {
    const { loadConfig } = (await import(`../../services/${name}/src/config.ts`)) as {
      loadConfig: (env: NodeJS.ProcessEnv) => { databaseUrl?: string };
    };
    const dir = mkdtempSync(join(tmpdir(), 'database-url-'));
    const file = join(dir, 'url');
    writeFileSync(file, 'postgres://orders:pa55@db:5432/orders\n');
    expect(loadConfig({ ...REQUIRED[name], ...KAFKA, DATABASE_URL_FILE: file }).databaseUrl).toBe(
      'postgres://orders:pa55@db:5432/orders',
    );
    writeFileSync(join(dir, 'bad'), 'mysql://orders:pa55@db/orders');
    const bad = () => loadConfig({ ...REQUIRED[name], ...KAFKA, DATABASE_URL_FILE: join(dir, 'bad') });
    expect(bad).toThrow(/DATABASE_URL_FILE: .*bad must hold a postgres:\/\/ URL/);
    expect(bad).not.toThrow(/pa55/);
    expect(() =>
      loadConfig({ ...REQUIRED[name], ...KAFKA, DATABASE_URL: 'postgres://x@db/x', DATABASE_URL_FILE: file }),
    ).toThrow(/not both/);
  });
});

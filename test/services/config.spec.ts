import { describe, expect, it } from 'vitest';

const SERVICES = ['orders', 'conference-bridge', 'billing', 'crm', 'mailing'] as const;

/** What a service needs besides the defaults: mailing calls billing as its own OAuth 2.0 client. */
const REQUIRED: Partial<Record<(typeof SERVICES)[number], NodeJS.ProcessEnv>> = {
  mailing: { OIDC_CLIENT_SECRET: 'a-secret-of-its-own' },
};

describe.each(SERVICES)('service %s', (name) => {
  it('fails at boot naming a bad PORT', async () => {
    const { loadConfig } = (await import(`../../services/${name}/src/config.ts`)) as {
      loadConfig: (env: NodeJS.ProcessEnv) => unknown;
    };
    expect(() => loadConfig({ ...REQUIRED[name], PORT: 'eighty' })).toThrow(/PORT/);
    expect(loadConfig({ ...REQUIRED[name] })).toMatchObject({
      host: '127.0.0.1',
      security: { issuer: 'http://127.0.0.1:8180/realms/switchboard', audience: name },
    });
  });
});

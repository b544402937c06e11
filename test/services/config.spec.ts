import { describe, expect, it } from 'vitest';

const SERVICES = ['orders', 'conference-bridge', 'billing', 'crm', 'mailing'] as const;

describe.each(SERVICES)('service %s', (name) => {
  it('fails at boot naming a bad PORT', async () => {
    const { loadConfig } = (await import(`../../services/${name}/src/config.ts`)) as {
      loadConfig: (env: NodeJS.ProcessEnv) => unknown;
    };
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(loadConfig({})).toMatchObject({ host: '127.0.0.1' });
  });
});

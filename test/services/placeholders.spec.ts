import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, describe, expect, it } from 'vitest';

const SERVICES = ['orders', 'conference-bridge', 'billing', 'crm', 'mailing'] as const;
/** Services not built yet: an application module that answers /health (issue 5 replaces them). */
const PLACEHOLDERS = ['billing', 'mailing'] as const;

describe.each(PLACEHOLDERS)('placeholder service %s', (name) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
  });

  it('boots its application module and answers /health', async () => {
    const { AppModule } = (await import(`../../services/${name}/src/app.module.ts`)) as { AppModule: object };
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'up' });
  });
});

describe.each(SERVICES)('service %s', (name) => {
  it('fails at boot naming a bad PORT', async () => {
    const { loadConfig } = (await import(`../../services/${name}/src/config.ts`)) as {
      loadConfig: (env: NodeJS.ProcessEnv) => unknown;
    };
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(loadConfig({})).toMatchObject({ host: '127.0.0.1' });
  });
});

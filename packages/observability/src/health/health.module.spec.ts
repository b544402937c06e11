import { Injectable, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthModule } from './health.module.ts';
import type { ReadinessCheck } from './readiness-check.ts';

@Injectable()
class Switch {
  on = true;
}

/** Injected by constructor type, which only works when decorator metadata is emitted. */
@Injectable()
class SwitchCheck implements ReadinessCheck {
  readonly name = 'switch';
  constructor(private readonly target: Switch) {}
  async check(): Promise<void> {
    if (!this.target.on) throw new Error('switch is off');
  }
}

@Module({ providers: [Switch, SwitchCheck], exports: [Switch, SwitchCheck] })
class SwitchModule {}

describe('HealthModule', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
  });

  async function start(): Promise<{ base: string; target: Switch }> {
    const probe = await Test.createTestingModule({ imports: [SwitchModule] }).compile();
    const target = probe.get(Switch);
    const moduleRef = await Test.createTestingModule({
      imports: [HealthModule.forRoot([probe.get(SwitchCheck)])],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    return { base: await app.getUrl(), target };
  }

  it('answers live and ready while every check passes', async () => {
    const { base } = await start();
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'up' });
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'up', checks: { switch: { status: 'up' } } });
  });

  it('answers 503 naming the failing check, while staying live', async () => {
    const { base, target } = await start();
    target.on = false;
    const ready = await fetch(`${base}/health`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'down',
      checks: { switch: { status: 'down', error: 'switch is off' } },
    });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});

import { Controller, HttpCode, type INestApplication, Module, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  answerIdempotent,
  IdempotencyKey,
  IdempotencyKeyReusedError,
  idempotencyKeySchema,
  IdempotentCommand,
  requestHash,
} from './idempotent-command.ts';
import { ApiZodResponse } from './openapi.ts';
import { createServiceApp } from './service-app.ts';

describe('requestHash', () => {
  it('is the same for the same request whatever the order of its fields, and differs otherwise', () => {
    const a = { name: 'x', audience: { countries: ['DE'], segments: ['ENTERPRISE'] } };
    const b = { audience: { segments: ['ENTERPRISE'], countries: ['DE'] }, name: 'x' };
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).not.toBe(requestHash({ ...a, name: 'y' }));
    // Array order is part of the request.
    expect(requestHash({ l: [1, 2] })).not.toBe(requestHash({ l: [2, 1] }));
  });
});

describe('idempotencyKeySchema', () => {
  it('names what the key is for when it is missing, and refuses short keys', () => {
    const schema = idempotencyKeySchema('campaign');
    expect(schema.safeParse(undefined).error?.issues[0]?.message).toBe(
      'is required: a unique key per campaign, reused when the request is retried',
    );
    expect(schema.safeParse('short').success).toBe(false);
    expect(schema.safeParse('3f0c9a52-7d7e-4c57-9f61-0d6a8a7f1b2e').success).toBe(true);
  });
});

/** Answers a key starting with `replay-` as a replay, `reused-` as a reused key. */
@Controller('v1/things')
class ThingsController {
  @Post()
  @HttpCode(202)
  @IdempotentCommand('thing', 202)
  @ApiZodResponse(202, z.object({ key: z.string() }), 'the thing')
  create(
    @IdempotencyKey('thing') key: string,
    @Res({ passthrough: true }) response: Response,
  ): { key: string } {
    if (key.startsWith('reused-')) throw new IdempotencyKeyReusedError('thing');
    return answerIdempotent(response, { result: { key }, replayed: key.startsWith('replay-') });
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('an idempotent POST', () => {
  let app: INestApplication | undefined;
  let base = '';
  const post = (key?: string) =>
    fetch(`${base}/v1/things`, {
      method: 'POST',
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });

  beforeAll(async () => {
    app = await createServiceApp(ThingsModule, {
      logger: false,
      errorStatus: {},
      openApi: { title: 'things', description: 'things' },
      // Only the idempotency is under test here: the route is open, no guard is installed.
      security: {
        tokenUrl: 'http://127.0.0.1:1/token',
        rateLimits: { read: 10, write: 10, bulk: 10 },
        scopeOfPath: () => null,
        serve: true,
      },
      timeouts: { requestMs: 10_000, headersMs: 5_000 },
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('marks only a replay with Idempotent-Replayed: true', async () => {
    const first = await post('first-3f0c9a52');
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ key: 'first-3f0c9a52' });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const replay = await post('replay-3f0c9a52');
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers a missing key 400 naming header.idempotency-key, a reused one 422', async () => {
    const missing = await post();
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [
        {
          field: 'header.idempotency-key',
          message: 'is required: a unique key per thing, reused when the request is retried',
        },
      ],
    });
    const reused = await post('reused-3f0c9a52');
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: 'this Idempotency-Key was used for a different request; use a new key for a new thing',
    });
  });

  it('documents the required header, the replay header and the 422 in OpenAPI', async () => {
    const document = (await (await fetch(`${base}/docs/openapi.json`)).json()) as {
      paths: Record<string, { post: { parameters: unknown[]; responses: Record<string, unknown> } }>;
    };
    const operation = document.paths['/v1/things']?.post;
    expect(operation?.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
    );
    expect(operation?.responses['202']).toMatchObject({
      description: 'the thing',
      headers: { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } } },
      content: { 'application/json': { schema: { properties: { key: { type: 'string' } } } } },
    });
    expect(operation?.responses['422']).toMatchObject({
      description: 'an Idempotency-Key reused for another request',
    });
  });
});

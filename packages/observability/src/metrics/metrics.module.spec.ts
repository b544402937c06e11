import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  type CanActivate,
  Controller,
  type ExceptionFilter,
  Get,
  type INestApplication,
  NotFoundException,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { sample } from '../../test/prometheus-text.ts';
import { HealthModule } from '../health/health.module.ts';
import { Metrics } from './metrics.ts';
import { MetricsModule } from './metrics.module.ts';

/** A domain error that only an exception filter turns into a status. */
class InvoiceClosedError extends Error {}

@Catch(InvoiceClosedError)
class InvoiceClosedFilter implements ExceptionFilter {
  catch(_error: InvoiceClosedError, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<{ status(code: number): { json(body: unknown): void } }>()
      .status(422)
      .json({ type: 'invoice-closed' });
  }
}

class DenyAll implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Controller('v1/orders')
class OrdersController {
  @Get(':orderId')
  get(@Param('orderId') orderId: string): { orderId: string } {
    if (orderId === 'missing') throw new NotFoundException('no such order');
    return { orderId };
  }

  @Post()
  place(): never {
    throw new BadRequestException('customerId is required');
  }

  @Post(':orderId/invoice')
  invoice(): never {
    throw new InvoiceClosedError();
  }

  @Get(':orderId/audit')
  @UseGuards(DenyAll)
  audit(): string {
    return 'never';
  }
}

describe('MetricsModule', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(metrics: Metrics, globalPrefix?: string): Promise<string> {
    const moduleRef = await Test.createTestingModule({
      imports: [MetricsModule.forRoot(metrics), HealthModule.forRoot()],
      controllers: [OrdersController],
      providers: [{ provide: APP_FILTER, useClass: InvoiceClosedFilter }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    if (globalPrefix !== undefined) app.setGlobalPrefix(globalPrefix);
    await app.listen(0, '127.0.0.1');
    return app.getUrl();
  }

  async function call(url: string, init?: RequestInit): Promise<number> {
    const response = await fetch(url, init);
    await response.arrayBuffer();
    return response.status;
  }

  it('serves every request, by route template and the status the client got, on /metrics', async () => {
    const metrics = new Metrics({ service: 'orders', collectDefault: false });
    const base = await start(metrics);

    expect(await call(`${base}/v1/orders/o-1`)).toBe(200);
    expect(await call(`${base}/v1/orders/o-2`)).toBe(200);
    expect(await call(`${base}/v1/orders/missing`)).toBe(404);
    expect(await call(`${base}/v1/orders`, { method: 'POST' })).toBe(400);
    expect(await call(`${base}/v1/orders/o-1/invoice`, { method: 'POST' })).toBe(422);
    expect(await call(`${base}/v1/orders/o-1/audit`)).toBe(403);
    expect(await call(`${base}/no/such/route?email=jane%40example.com`)).toBe(404);
    expect(await call(`${base}/health/live`)).toBe(200);

    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe(metrics.contentType);
    const text = await scrape.text();

    const count = (method: string, route: string, status: number): number | undefined =>
      sample(text, 'http_server_request_duration_seconds_count', {
        method,
        route,
        status_code: String(status),
        service: 'orders',
      });
    expect(count('GET', '/v1/orders/:orderId', 200)).toBe(2);
    expect(count('GET', '/v1/orders/:orderId', 404)).toBe(1);
    expect(count('POST', '/v1/orders', 400)).toBe(1);
    expect(count('POST', '/v1/orders/:orderId/invoice', 422)).toBe(1);
    expect(count('GET', '/v1/orders/:orderId/audit', 403)).toBe(1);
    expect(count('GET', 'unmatched', 404)).toBe(1);
    expect(text).not.toContain('/v1/orders/o-1');
    expect(text).not.toContain('/no/such/route');
    expect(text).not.toMatch(/route="\/(health|metrics)/);
    expect(sample(text, 'http_server_requests_in_flight', { service: 'orders' })).toBe(0);
  });

  it('labels routes with their global prefix, and what no route serves as unmatched', async () => {
    const metrics = new Metrics({ service: 'orders', collectDefault: false });
    const base = await start(metrics, 'api');

    expect(await call(`${base}/api/v1/orders/o-1`)).toBe(200);
    expect(await call(`${base}/api/v1/nothing-here`)).toBe(404);
    expect(await call(`${base}/elsewhere`)).toBe(404);

    const text = await metrics.text();
    const count = (route: string, status: number): number | undefined =>
      sample(text, 'http_server_request_duration_seconds_count', {
        method: 'GET',
        route,
        status_code: String(status),
        service: 'orders',
      });
    expect(count('/api/v1/orders/:orderId', 200)).toBe(1);
    expect(count('unmatched', 404)).toBe(2);
  });

  it('serves the messaging metrics of the same instance', async () => {
    const metrics = new Metrics({ service: 'crm', collectDefault: false });
    const base = await start(metrics);
    metrics.messaging.deadLettered('billing.invoice-issued.v1', 'SchemaMismatchError');

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(
      sample(text, 'messaging_dead_lettered_total', {
        topic: 'billing.invoice-issued.v1',
        error_class: 'SchemaMismatchError',
        service: 'crm',
      }),
    ).toBe(1);
  });
});

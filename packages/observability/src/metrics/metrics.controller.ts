import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Metrics } from './metrics.ts';

export const METRICS = Symbol('METRICS');

/** The part of the response the controller touches. */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: Metrics) {}

  @Get()
  async scrape(@Res({ passthrough: true }) response: HeaderSink): Promise<string> {
    response.setHeader('Content-Type', this.metrics.contentType);
    return this.metrics.text();
  }
}

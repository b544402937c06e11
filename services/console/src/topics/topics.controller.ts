import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { type AnyTopicSpec, subjectOf, TOPICS } from '@switchboard/contracts';
import { consumerLag, type PartitionLag } from '@switchboard/messaging';
import type { Response } from 'express';
import { type ConsoleRequest, sendPage } from '../context.ts';
import { type Html, html } from '../html.ts';
import type { Bus } from '../kafka.ts';
import { type PrometheusClient, type Reading, reading } from '../prometheus.ts';

export const BUS = Symbol('BUS');
export const PROMETHEUS = Symbol('PROMETHEUS');

const retention = (spec: AnyTopicSpec): string =>
  spec.retention.kind === 'compact'
    ? 'compacted'
    : spec.retention.days === 'forever'
      ? 'kept forever'
      : `${spec.retention.days} days`;

const unavailable = (what: string, r: { reason: string }): Html =>
  html`<span class="warn" title="${r.reason}">${what} unavailable</span>`;

function rate(samples: Reading<{ labels: Record<string, string>; value: number }[]>, topic: string): Html {
  if (!samples.ok) return unavailable('rate', samples);
  const value = samples.value.find((s) => s.labels.topic === topic)?.value ?? 0;
  return html`${value.toFixed(value < 10 ? 2 : 0)}/s`;
}

function lagTable(lags: Reading<PartitionLag[]>): Html {
  if (!lags.ok) return html`<p>${unavailable('Consumer lag', lags)}: ${lags.reason}</p>`;
  return html`<table data-testid="lag">
    <thead>
      <tr>
        <th>consumer group</th>
        <th>topic</th>
        <th>partition</th>
        <th>committed</th>
        <th>end</th>
        <th>lag</th>
      </tr>
    </thead>
    <tbody>
      ${lags.value.map(
        (l) =>
          html`<tr>
            <td>${l.group}</td>
            <td class="mono">${l.topic}</td>
            <td>${l.partition}</td>
            <td class="mono">${l.committed < 0 ? '—' : l.committed}</td>
            <td class="mono">${l.end}</td>
            <td class="${l.lag > 0 ? 'warn' : 'good'}">${l.lag}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

@Controller()
export class TopicsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(PROMETHEUS) private readonly prometheus: PrometheusClient,
  ) {}

  @Get('topics')
  async topics(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    const entries = Object.entries(TOPICS) as [string, AnyTopicSpec][];
    const [versions, published, lags] = await Promise.all([
      reading(async () =>
        Object.fromEntries(
          await Promise.all(
            entries.map(
              async ([topic]) =>
                [topic, await this.bus.registry.versions(subjectOf(this.bus.names.physical(topic)))] as const,
            ),
          ),
        ),
      ),
      reading(() => this.prometheus.query('sum by (topic) (rate(messaging_published_total[5m]))')),
      reading(() => this.bus.withAdmin((admin) => consumerLag(admin, this.bus.names))),
    ]);
    const rows = entries.map(
      ([topic, spec]) =>
        html`<tr data-topic="${topic}">
          <td class="mono">
            <strong>${topic}</strong>
            <div class="muted">${spec.description}</div>
          </td>
          <td class="svc-${spec.owner}">
            ${spec.owner}${(spec.externalProducers ?? []).map((p) => html`<div class="muted">${p}</div>`)}
          </td>
          <td>
            ${spec.consumers.length === 0 ? html`<span class="muted">none</span>` : spec.consumers.map((c) => html`<div class="svc-${c}">${c}</div>`)}
          </td>
          <td class="mono">${spec.key}</td>
          <td>${spec.partitions}</td>
          <td>${retention(spec)}</td>
          <td class="mono">
            ${spec.personalData.length === 0 ? html`<span class="muted">none</span>` : spec.personalData.join(', ')}
          </td>
          <td>${spec.latencyObjectiveMs / 1000} s</td>
          <td>
            ${versions.ok ? (versions.value[topic] ?? []).map((v) => html`<span class="pill">v${v}</span> `) : unavailable('registry', versions)}
          </td>
          <td>${rate(published, topic)}</td>
        </tr>`,
    );
    sendPage(
      request,
      response,
      'Topics',
      '/topics',
      html`<h1>Topics</h1>
            <p class="muted">
              The topic catalog: every topic, who owns and consumes it, its key, partitions, retention,
              personal-data fields and latency objective; the schema versions the registry holds; events
              published per second over five minutes (Prometheus). The whole catalog is also the
              <a href="/asyncapi">AsyncAPI document</a>.
            </p>
            <table data-testid="catalog">
              <thead>
                <tr>
                  <th>topic</th>
                  <th>owner</th>
                  <th>consumers</th>
                  <th>key</th>
                  <th>partitions</th>
                  <th>retention</th>
                  <th>personal data</th>
                  <th>objective</th>
                  <th>schema versions</th>
                  <th>published</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
            <h2>Consumer lag</h2>
            ${lagTable(lags)}`,
    );
  }
}

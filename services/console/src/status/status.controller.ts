import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { OBJECTIVE_RECORD, SLI_RECORD, SLO_TARGET } from '@switchboard/contracts';
import type { Response } from 'express';
import { type ConsoleRequest, sendPage } from '../context.ts';
import { type Html, html } from '../html.ts';
import { type PrometheusClient, reading, type Sample } from '../prometheus.ts';
import { PROMETHEUS } from '../topics/topics.controller.ts';

export const SERVICE_URLS = Symbol('SERVICE_URLS');

interface Readiness {
  readonly status: 'up' | 'down' | 'unreachable';
  readonly checks: Readonly<Record<string, { readonly status: string; readonly error?: string }>>;
  readonly error?: string;
}

/** A service's `/health/ready`: its checks, whether it answers 200 or 503; unreachable when it does not answer. */
async function readiness(url: string): Promise<Readiness> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(4000) });
    const answer = (await response.json().catch(() => ({}))) as {
      checks?: Readiness['checks'];
      detail?: { checks?: Readiness['checks'] };
    };
    return { status: response.ok ? 'up' : 'down', checks: answer.checks ?? answer.detail?.checks ?? {} };
  } catch (error) {
    return { status: 'unreachable', checks: {}, error: (error as Error).message };
  }
}

const pill = (status: string): Html =>
  html`<span class="pill ${status === 'up' ? 'good' : 'bad'}" data-testid="status">${status}</span>`;

function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(value >= 0.9995 ? 0 : 1)} %` : '—';
}

@Controller()
export class StatusController {
  constructor(
    @Inject(SERVICE_URLS) private readonly services: Readonly<Record<string, string>>,
    @Inject(PROMETHEUS) private readonly prometheus: PrometheusClient,
  ) {}

  @Get('status')
  async status(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    const names = Object.keys(this.services);
    const [ready, backlog, sli, objectives, alerts] = await Promise.all([
      Promise.all(names.map(async (name) => [name, await readiness(this.services[name] ?? '')] as const)),
      reading(() => this.prometheus.query('max by (service) (messaging_outbox_backlog)')),
      reading(() => this.prometheus.query(SLI_RECORD)),
      reading(() => this.prometheus.query(OBJECTIVE_RECORD)),
      reading(() => this.prometheus.alerts()),
    ]);
    const backlogOf = (name: string): Html =>
      backlog.ok
        ? html`${backlog.value.find((s) => s.labels.service === name)?.value ?? '—'}`
        : html`<span class="warn" title="${backlog.reason}">unavailable</span>`;
    const services = html`<table data-testid="services">
      <thead>
        <tr>
          <th>service</th>
          <th>ready</th>
          <th>checks</th>
          <th>outbox backlog</th>
        </tr>
      </thead>
      <tbody>
        ${ready.map(
          ([name, r]) =>
            html`<tr data-service="${name}">
              <td class="svc-${name}">${name}</td>
              <td>${pill(r.status)}${r.error ? html`<div class="muted">${r.error}</div>` : ''}</td>
              <td>
                ${Object.entries(r.checks).map(
                  ([check, c]) =>
                    html`<div>
                      <span class="${c.status === 'up' ? 'good' : 'bad'}">${check}</span
                      >${c.error ? html` <span class="muted">${c.error}</span>` : ''}
                    </div>`,
                )}
              </td>
              <td>${backlogOf(name)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;

    const objectiveOf = (topic: string): number | undefined =>
      objectives.ok ? objectives.value.find((s) => s.labels.topic === topic)?.value : undefined;
    const slo = sli.ok
      ? sli.value.length === 0
        ? html`<p class="muted">No events handled in the last five minutes: nothing to measure yet.</p>`
        : html`<table data-testid="slo">
            <thead>
              <tr>
                <th>topic</th>
                <th>consumer</th>
                <th>within objective (5 min)</th>
                <th>objective</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${[...sli.value]
                .sort((a: Sample, b: Sample) => (a.labels.topic ?? '').localeCompare(b.labels.topic ?? ''))
                .map((s) => {
                  // No event in the window: nothing was late, and nothing to measure.
                  const idle = Number.isNaN(s.value);
                  const ok = idle || s.value >= SLO_TARGET;
                  return html`<tr data-slo="${s.labels.topic}/${s.labels.service}">
                    <td class="mono">${s.labels.topic}</td>
                    <td class="svc-${s.labels.service}">${s.labels.service}</td>
                    <td class="${ok ? 'good' : 'bad'}">${percent(s.value)}</td>
                    <td>${objectiveOf(s.labels.topic ?? '') ?? '—'} s, ${SLO_TARGET * 100} % of events</td>
                    <td>
                      ${
                        idle
                          ? html`<span class="pill">no events</span>`
                          : ok
                            ? html`<span class="pill good">met</span>`
                            : html`<span class="pill bad">missed</span>`
                      }
                    </td>
                  </tr>`;
                })}
            </tbody>
          </table>`
      : html`<p class="warn">Prometheus could not be read: ${sli.reason}</p>`;
    const firing = alerts.ok
      ? alerts.value.length === 0
        ? html`<p class="good" data-testid="alerts">No alert pending or firing.</p>`
        : html`<ul data-testid="alerts">
            ${alerts.value.map(
              (a) =>
                html`<li>
                  <span class="pill ${a.state === 'firing' ? 'bad' : 'warn'}">${a.state}</span>
                  <strong>${a.labels.alertname}</strong> ${a.annotations.summary ?? ''}
                </li>`,
            )}
          </ul>`
      : html`<p class="warn">Prometheus could not be read: ${alerts.reason}</p>`;

    sendPage(
      request,
      response,
      'Health',
      '/status',
      html`<h1>Health</h1>
            <h2>Services</h2>
            ${services}
            <h2>Latency objectives</h2>
            <p class="muted">
              The share of each topic's events every consumer handled within the topic's objective, measured
              from the events' <code>occurredAt</code> (Prometheus rules generated from the catalog).
            </p>
            ${slo}
            <h2>Alerts</h2>
            ${firing}`,
    );
  }
}

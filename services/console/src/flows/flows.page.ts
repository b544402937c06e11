import { BUSINESS_KEYS, type BusinessKey } from '@switchboard/contracts';
import { type Html, html, raw } from '../html.ts';
import { SEARCHABLE } from './search.ts';
import type { Flow, Step } from './timeline.ts';

const time = (epochMs: number): string =>
  new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** The search form, with the last search filled in. */
export function searchForm(kind: BusinessKey = 'order', value = ''): Html {
  return html`<form class="search" method="get" action="/flows" role="search">
    <label for="kind">Find a flow by</label>
    <select id="kind" name="kind">
      ${SEARCHABLE.map(
        (k) =>
          html`<option value="${k}" ${k === kind ? raw(' selected') : ''}>
            ${BUSINESS_KEYS[k].label.toLowerCase()}
          </option>`,
      )}
    </select>
    <input
      type="text"
      id="key"
      name="key"
      value="${value}"
      placeholder="an order id, a customer id, INV-2026-000001…"
      required
    />
    <button class="primary" type="submit">Search</button>
  </form>`;
}

function stepBadge(step: Step): Html {
  if (step.failed) return html`<span class="pill bad">failed</span>`;
  if (step.retry) return html`<span class="pill warn">retry</span>`;
  return html``;
}

function hopCell(step: Step): Html {
  if (!step.hop) return html`<span class="muted">—</span>`;
  const { ms, objectiveMs, late } = step.hop;
  return html`<span class="${late ? 'bad' : 'good'}" title="objective ${objectiveMs} ms">${ms} ms</span>
    <span class="muted">/ ${objectiveMs} ms</span>`;
}

function timeline(flow: Flow): Html {
  return html`<table class="timeline" data-testid="timeline">
    <thead>
      <tr>
        <th>+ms</th>
        <th>service</th>
        <th>step</th>
        <th>topic</th>
        <th>since published / objective</th>
        <th>took</th>
        <th></th>
      </tr>
    </thead>
    <tbody>
      ${flow.steps.map(
        (step) =>
          html`<tr data-service="${step.service}" class="${step.failed ? 'failed' : ''}">
            <td class="mono">${step.startMs}</td>
            <td class="svc-${step.service}">${step.service}</td>
            <td>${step.name}${step.error ? html` <span class="bad">${step.error}</span>` : ''}</td>
            <td class="mono">${step.topic ?? ''}</td>
            <td>${hopCell(step)}</td>
            <td class="mono">${step.durationMs} ms</td>
            <td>${stepBadge(step)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function waterfall(flow: Flow): Html {
  return html`<details class="waterfall-box">
    <summary>Span waterfall (${flow.rows.length} spans)</summary>
    <div class="waterfall" data-testid="waterfall">
      ${flow.rows.map(
        (row) =>
          html`<div class="row">
            <div
              class="label mono"
              style="padding-left:${Math.min(row.depth, 12) * 12}px"
              title="${row.name}"
            >
              <span class="svc-${row.service}">${row.service}</span> ${row.name}
            </div>
            <div class="track">
              <div
                class="bar${row.failed ? ' error' : ''}"
                style="left:${row.offsetPct.toFixed(2)}%;width:${row.widthPct.toFixed(2)}%"
                title="${row.startMs} ms +${row.durationMs} ms"
              ></div>
            </div>
          </div>`,
      )}
    </div>
  </details>`;
}

/** One flow: its summary, its timeline across services and its span waterfall. */
export function flowCard(flow: Flow, jaegerUiUrl: string | undefined): Html {
  const status =
    flow.failures > 0
      ? html`<span class="pill bad">${flow.failures} failed span${flow.failures === 1 ? '' : 's'}</span>`
      : html`<span class="pill good">no failures</span>`;
  return html`<section class="card flow" data-trace="${flow.traceId}">
    <h2>
      ${time(flow.startedAt)} · ${flow.durationMs} ms · ${flow.services.join(' → ')} ${status}
      ${flow.retries > 0 ? html`<span class="pill warn">${flow.retries} retried</span>` : ''}
    </h2>
    <p class="muted mono">
      trace ${flow.traceId}
      ${jaegerUiUrl ? html` · <a href="${jaegerUiUrl}/trace/${flow.traceId}">open in Jaeger</a>` : ''} ·
      <a href="/flows/trace/${flow.traceId}">this trace alone</a>
    </p>
    ${timeline(flow)} ${waterfall(flow)}
  </section>`;
}

/** The results of one search. */
export function searchResults(
  kind: BusinessKey,
  value: string,
  flows: readonly Flow[],
  jaegerUiUrl: string | undefined,
): Html {
  const label = BUSINESS_KEYS[kind].label.toLowerCase();
  if (flows.length === 0)
    return html`<p data-testid="no-flows">
      No flow found for ${label} <code>${value}</code> (Jaeger keeps traces in memory: a restart forgets
      them).
    </p>`;
  return html`<p data-testid="flow-count">
      ${flows.length} flow${flows.length === 1 ? '' : 's'} of ${label} <code>${value}</code>, newest first.
    </p>
    ${flows.map((flow) => flowCard(flow, jaegerUiUrl))}`;
}

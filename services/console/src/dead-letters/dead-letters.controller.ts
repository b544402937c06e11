import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { TOPICS, type TopicName } from '@switchboard/contracts';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '../auth/auth.ts';
import { type ConsoleRequest, may, SCOPE, sendPage } from '../context.ts';
import { type Html, html } from '../html.ts';
import { reading } from '../prometheus.ts';
import { AlreadyReplayedError, DeadLetters, NoSuchQueueError, type ParkedRecord } from './dead-letters.ts';
import { masked } from './masking.ts';

export const DEAD_LETTERS = Symbol('DEAD_LETTERS');

const when = (value: string | Date): string => {
  const date = typeof value === 'string' ? new Date(Number(value) || value) : value;
  return Number.isNaN(date.getTime())
    ? String(value)
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
};

/** JSON for display; Avro's longs, bytes and Buffers stay readable. */
function pretty(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v,
    2,
  );
}

function recordRow(
  topic: TopicName,
  consumer: string,
  record: ParkedRecord,
  seesPersonalData: boolean,
  mayReplay: boolean,
  csrf: string,
): Html {
  const { letter } = record;
  const event = record.event.ok
    ? html`<pre class="mono" data-testid="event">
${pretty(seesPersonalData ? record.event.value : masked(record.event.value, TOPICS[topic].personalData))}</pre>`
    : html`<span class="bad">not decodable: ${record.event.reason}</span>`;
  const state = record.replayed
    ? html`<span class="pill good" data-testid="replayed">replayed</span>${
        record.replay
          ? html`<div class="muted">by ${record.replay.byName}, ${when(record.replay.at)}</div>`
          : ''
      }`
    : mayReplay
      ? html`<form method="post" action="/dead-letters/${topic}/${consumer}/replay">
          <input type="hidden" name="csrf" value="${csrf}" /><input
            type="hidden"
            name="at"
            value="${letter.partition}:${letter.offset}"
          />
          <button class="primary" type="submit" data-testid="replay-one">Replay</button>
        </form>`
      : html`<span class="pill warn">parked</span>`;
  return html`<tr data-offset="${letter.partition}:${letter.offset}">
    <td class="mono">${letter.partition}:${letter.offset}</td>
    <td class="mono">${letter.key}</td>
    <td>
      <strong class="bad">${letter.errorClass}</strong>
      <div>${letter.errorMessage}</div>
      <div class="muted">
        attempts ${letter.attempts} · failed ${when(letter.failedAt)} · from ${letter.originalTopic}
        ${letter.originalPartition}:${letter.originalOffset}
      </div>
    </td>
    <td>${event}</td>
    <td>${state}</td>
  </tr>`;
}

@Controller('dead-letters')
export class DeadLettersController {
  constructor(
    @Inject(DEAD_LETTERS) private readonly deadLetters: DeadLetters,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  async overview(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    const [queues, recent] = await Promise.all([
      reading(() => this.deadLetters.overview()),
      reading(() => this.deadLetters.recent()),
    ]);
    const table = queues.ok
      ? html`<table data-testid="queues">
          <thead>
            <tr>
              <th>topic</th>
              <th>consumer</th>
              <th>parked</th>
              <th>waiting for a replay</th>
            </tr>
          </thead>
          <tbody>
            ${queues.value.map(
              (q) =>
                html`<tr data-queue="${q.topic}/${q.consumer}">
                  <td class="mono"><a href="/dead-letters/${q.topic}/${q.consumer}">${q.topic}</a></td>
                  <td class="svc-${q.consumer}">${q.consumer}</td>
                  <td>${q.total}</td>
                  <td class="${q.waiting > 0 ? 'bad' : 'good'}">${q.waiting}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
      : html`<p class="warn">The dead-letter topics could not be read: ${queues.reason}</p>`;
    const audit = recent.ok
      ? recent.value.length === 0
        ? html`<p class="muted">No replay yet.</p>`
        : html`<table data-testid="audit">
            <thead>
              <tr>
                <th>when</th>
                <th>who</th>
                <th>what</th>
                <th>record</th>
              </tr>
            </thead>
            <tbody>
              ${recent.value.map(
                (r) =>
                  html`<tr>
                    <td>${when(r.at)}</td>
                    <td>${r.byName} <span class="muted mono">${r.by}</span></td>
                    <td>
                      ${r.mode === 'one' ? 'one record' : 'all waiting'} of
                      <span class="mono">${r.topic}</span> for ${r.consumer}
                    </td>
                    <td class="mono">${r.deadLetterTopic} ${r.partition}:${r.offset} key ${r.key}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
      : html`<p class="warn">The audit could not be read: ${recent.reason}</p>`;
    sendPage(
      request,
      response,
      'Dead letters',
      '/dead-letters',
      html`<h1>Dead letters</h1>
            <p class="muted">
              Events a consumer could not handle, parked per topic and consumer with the reason; nothing else
              of their partition waits for them. Fix the cause, then replay them: each goes back to its topic
              once, and each replay is recorded below.
            </p>
            ${table}
            <h2>Replays</h2>
            ${audit}`,
    );
  }

  @Get(':topic/:consumer')
  async records(
    @Param('topic') topic: string,
    @Param('consumer') consumer: string,
    @Query('replayed') replayed: unknown,
    @Req() request: ConsoleRequest,
    @Res() response: Response,
  ): Promise<void> {
    let records: ParkedRecord[];
    try {
      records = await this.deadLetters.list(topic, consumer);
    } catch (error) {
      if (!(error instanceof NoSuchQueueError)) throw error;
      sendPage(
        request,
        response,
        'Dead letters',
        '/dead-letters',
        html`<h1>Dead letters</h1>
                <p class="bad">${error.message}</p>`,
        404,
      );
      return;
    }
    const sees = may(request, SCOPE.personalData);
    const mayReplay = may(request, SCOPE.replay);
    const csrf = request.session?.csrf ?? '';
    const waiting = records.filter((r) => !r.replayed).length;
    const name = topic as TopicName;
    sendPage(
      request,
      response,
      'Dead letters',
      '/dead-letters',
      html`<h1>Dead letters of <span class="mono">${topic}</span> for ${consumer}</h1>
            ${typeof replayed === 'string' ? html`<p class="good" data-testid="flash">${replayed} dead letter(s) sent back to ${topic}.</p>` : ''}
            <p>
              ${records.length} parked, ${waiting} waiting for a replay.
              ${sees ? html`<span class="pill warn">personal data shown</span>` : html`<span class="pill">personal data masked</span>`}
            </p>
            ${
              mayReplay && waiting > 0
                ? html`<form method="post" action="/dead-letters/${topic}/${consumer}/replay">
                    <input type="hidden" name="csrf" value="${csrf}" />
                    <button class="primary" type="submit" data-testid="replay-all">
                      Replay all ${waiting} waiting
                    </button>
                  </form>`
                : ''
            }
            <table data-testid="records">
              <thead>
                <tr>
                  <th>partition:offset</th>
                  <th>key</th>
                  <th>why</th>
                  <th>event</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${records.map((r) => recordRow(name, consumer, r, sees, mayReplay, csrf))}
              </tbody>
            </table>`,
    );
  }

  @Post(':topic/:consumer/replay')
  async replay(
    @Param('topic') topic: string,
    @Param('consumer') consumer: string,
    @Body() form: Record<string, unknown>,
    @Req() request: ConsoleRequest,
    @Res() response: Response,
  ): Promise<void> {
    const session = request.session;
    if (!session || !may(request, SCOPE.replay)) {
      sendPage(
        request,
        response,
        'Not allowed',
        '/dead-letters',
        html`<h1>Not allowed</h1>
                <p>Replaying needs the scope ${SCOPE.replay} (the operator role).</p>`,
        403,
      );
      return;
    }
    const at = typeof form.at === 'string' ? /^(\d{1,9}):(\d{1,19})$/.exec(form.at) : null;
    if (typeof form.at === 'string' && !at) {
      response.status(400).type('text/plain').send('at must be <partition>:<offset>');
      return;
    }
    try {
      const replays = await this.deadLetters.replay(
        topic,
        consumer,
        { subject: session.subject, name: session.name },
        at ? { partition: Number(at[1]), offset: at[2] ?? '' } : undefined,
      );
      for (const r of replays)
        this.logger.info(
          {
            event: 'console.dead-letter.replayed',
            topic: r.topic,
            consumer: r.consumer,
            partition: r.partition,
            offset: r.offset,
            mode: r.mode,
            by: r.by,
          },
          'console.dead-letter.replayed',
        );
      response.redirect(
        303,
        `/dead-letters/${encodeURIComponent(topic)}/${encodeURIComponent(consumer)}?replayed=${replays.length}`,
      );
    } catch (error) {
      if (error instanceof NoSuchQueueError) {
        response.status(404).type('text/plain').send(error.message);
        return;
      }
      if (error instanceof AlreadyReplayedError) {
        sendPage(
          request,
          response,
          'Already replayed',
          '/dead-letters',
          html`<h1>Already replayed</h1>
                  <p>${error.message}. <a href="/dead-letters/${topic}/${consumer}">Back</a></p>`,
          409,
        );
        return;
      }
      throw error;
    }
  }
}

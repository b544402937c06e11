import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { type ConsoleRequest, sendPage } from '../context.ts';
import { type Html, html } from '../html.ts';
import { flowCard, searchForm, searchResults } from './flows.page.ts';
import type { JaegerClient } from '@switchboard/observability';
import { FlowSearch, InvalidSearchError, isSearchable } from './search.ts';
import { flowOf } from './timeline.ts';

export const JAEGER = Symbol('JAEGER');
export const JAEGER_UI_URL = Symbol('JAEGER_UI_URL');

const flows = (content: Html): Html => html`<h1>Flows</h1>${content}`;

@Controller()
export class FlowsController {
  private readonly search: FlowSearch;

  constructor(
    @Inject(JAEGER) private readonly jaeger: JaegerClient,
    @Inject(JAEGER_UI_URL) private readonly jaegerUiUrl: string | undefined,
  ) {
    this.search = new FlowSearch(jaeger);
  }

  @Get()
  home(@Req() request: ConsoleRequest, @Res() response: Response): void {
    sendPage(
      request,
      response,
      'Flows',
      '/',
      flows(html`${searchForm()}
<p class="muted">Every service tags its spans with the business keys of what it handles, so a booking, a call, an
invoice or a campaign is found across all five services by the id you have.</p>`),
    );
  }

  @Get('flows')
  async find(
    @Query('kind') kind: unknown,
    @Query('key') key: unknown,
    @Req() request: ConsoleRequest,
    @Res() response: Response,
  ): Promise<void> {
    const value = typeof key === 'string' ? key.trim() : '';
    if (!isSearchable(kind) || value === '') {
      const problem = html`<p class="bad">Choose what to search by and give a key.</p>`;
      sendPage(request, response, 'Flows', '/', flows(html`${searchForm()}${problem}`), 400);
      return;
    }
    try {
      const found = await this.search.search(kind, value);
      sendPage(
        request,
        response,
        'Flows',
        '/',
        flows(html`${searchForm(kind, value)}${searchResults(kind, value, found, this.jaegerUiUrl)}`),
      );
    } catch (error) {
      if (!(error instanceof InvalidSearchError)) throw error;
      sendPage(
        request,
        response,
        'Flows',
        '/',
        flows(html`${searchForm(kind, value)}<p class="bad">${error.message}</p>`),
        400,
      );
    }
  }

  @Get('flows/trace/:id')
  async trace(
    @Param('id') id: string,
    @Req() request: ConsoleRequest,
    @Res() response: Response,
  ): Promise<void> {
    const trace = await this.jaeger.trace(id);
    const content = trace
      ? flowCard(flowOf(trace), this.jaegerUiUrl)
      : html`<p>No trace ${id} in Jaeger (it keeps traces in memory: a restart forgets them).</p>`;
    sendPage(request, response, 'Flow', '/', html`<h1>Flow</h1>${content}`, trace ? 200 : 404);
  }
}

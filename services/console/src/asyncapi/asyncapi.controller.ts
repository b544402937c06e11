import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { asyncApiDocument } from '@switchboard/contracts';
import type { Response } from 'express';
import { stringify } from 'yaml';
import { type ConsoleRequest, sendPage } from '../context.ts';
import { html } from '../html.ts';

const require = createRequire(import.meta.url);
/** The AsyncAPI React component's standalone bundle, as its npm package ships it. */
const COMPONENT_DIR = join(
  dirname(require.resolve('@asyncapi/react-component/package.json')),
  'browser',
  'standalone',
);
const STYLES = join(
  dirname(require.resolve('@asyncapi/react-component/package.json')),
  'styles',
  'default.min.css',
);

const DOCUMENT = asyncApiDocument();
const JSON_TEXT = JSON.stringify(DOCUMENT, null, 2);
const YAML_TEXT = stringify(DOCUMENT, { lineWidth: 0 });

/** Renders the document with the component once the bundle has loaded (no inline script: the CSP forbids it). */
const INIT = `(function () {
  var standalone = window.AsyncApiStandalone;
  var component = standalone && standalone.default ? standalone.default : standalone;
  component.render(
    { schema: { url: '/asyncapi.json' }, config: { show: { sidebar: true, errors: true } } },
    document.getElementById('asyncapi'),
  );
})();
`;

const files = new Map<string, Promise<Buffer>>();
const file = (path: string): Promise<Buffer> => {
  let content = files.get(path);
  if (!content) {
    content = readFile(path);
    files.set(path, content);
  }
  return content;
};

/**
 * Switchboard's event API, published at stable URLs for producer systems — `/asyncapi.yaml` and
 * `/asyncapi.json`, open to anyone, as they hold no secret — and rendered at `/asyncapi`.
 */
@Controller()
export class AsyncApiController {
  @Get('asyncapi.yaml')
  yaml(@Res() response: Response): void {
    response.type('application/yaml').send(YAML_TEXT);
  }

  @Get('asyncapi.json')
  json(@Res() response: Response): void {
    response.type('application/json').send(JSON_TEXT);
  }

  @Get('asyncapi')
  view(@Req() request: ConsoleRequest, @Res() response: Response): void {
    // The component compiles JSON Schemas at run time (new Function), which needs 'unsafe-eval'.
    response.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    );
    sendPage(
      request,
      response,
      'Event API',
      '/asyncapi',
      html`<link rel="stylesheet" href="/assets/asyncapi/default.min.css" />
            <p class="muted">
              The AsyncAPI 3 document of every topic, generated from the catalog and the Avro schemas:
              <a href="/asyncapi.yaml">asyncapi.yaml</a> · <a href="/asyncapi.json">asyncapi.json</a>.
            </p>
            <div id="asyncapi" data-testid="asyncapi"></div>
            <script src="/assets/asyncapi/standalone.js"></script>
            <script src="/assets/asyncapi/init.js"></script>`,
    );
  }

  @Get('assets/asyncapi/standalone.js')
  async bundle(@Res() response: Response): Promise<void> {
    response.setHeader('Cache-Control', 'public, max-age=86400');
    response.type('application/javascript').send(await file(join(COMPONENT_DIR, 'index.js')));
  }

  @Get('assets/asyncapi/default.min.css')
  async styles(@Res() response: Response): Promise<void> {
    response.setHeader('Cache-Control', 'public, max-age=86400');
    response.type('text/css').send(await file(STYLES));
  }

  @Get('assets/asyncapi/init.js')
  init(@Res() response: Response): void {
    response.type('application/javascript').send(INIT);
  }
}

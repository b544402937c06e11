import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Component } from '../component.ts';

const SMTP_PORT = 1025;
const HTTP_PORT = 1080;

const require = createRequire(import.meta.url);

/** maildev is an npm dependency of this package, so it is installed with the workspace. */
function maildevBin(): string {
  return join(dirname(require.resolve('maildev/package.json')), 'bin', 'maildev');
}

export const mail: Component = {
  name: 'mail',
  title: 'MailDev 2 (SMTP server with an HTTP API)',
  ports: [SMTP_PORT, HTTP_PORT],
  overriddenBy: ['SMTP_URL', 'MAIL_API_URL'],
  endpoints: [
    { label: 'SMTP', url: `smtp://127.0.0.1:${SMTP_PORT}` },
    { label: 'Mail web UI and API', url: `http://127.0.0.1:${HTTP_PORT}` },
  ],
  startTimeoutSeconds: 30,

  marker: () => join('maildev', 'bin', 'maildev'),

  installed: async () => true,

  async install() {
    // Nothing to fetch: `pnpm install` brings maildev.
  },

  async command() {
    return {
      command: process.execPath,
      args: [
        maildevBin(),
        '--ip',
        '127.0.0.1',
        '--web-ip',
        '127.0.0.1',
        '--smtp',
        String(SMTP_PORT),
        '--web',
        String(HTTP_PORT),
      ],
    };
  },

  async healthy() {
    try {
      const response = await fetch(`http://127.0.0.1:${HTTP_PORT}/healthz`, {
        signal: AbortSignal.timeout(2000),
      });
      return response.ok;
    } catch {
      return false;
    }
  },
};

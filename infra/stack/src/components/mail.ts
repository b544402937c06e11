import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../artifacts.ts';
import type { Component } from '../component.ts';
import type { StackPaths } from '../paths.ts';
import { ensureSecret, secretsDir } from '../secrets.ts';
import { requireTool, runLogged } from '../tools.ts';

const SMTP_PORT = 1025;
const HTTP_PORT = 1080;

/** The one SMTP user: the mailing service. */
export const SMTP_USER = 'mailing';
const SMTP_SECRET = join('smtp-users', SMTP_USER);
/** The file holding the SMTP user's password, for `SMTP_PASSWORD_FILE`. */
export const smtpPasswordFile = (paths: StackPaths): string => join(secretsDir(paths), SMTP_SECRET);

const tlsDir = (paths: StackPaths): string => join(paths.data, 'mail-tls');
/** The SMTP server's certificate (PEM, self-signed), for `SMTP_CA_FILE`. */
export const smtpCaFile = (paths: StackPaths): string => join(tlsDir(paths), 'cert.pem');
const keyFile = (paths: StackPaths): string => join(tlsDir(paths), 'key.pem');

/**
 * The SMTP server's key and self-signed certificate (valid for 127.0.0.1 and localhost, ten
 * years), made once with openssl; clients trust the certificate itself.
 */
async function ensureCertificate(paths: StackPaths, logFile: string): Promise<void> {
  if ((await exists(keyFile(paths))) && (await exists(smtpCaFile(paths)))) return;
  const openssl = await requireTool(
    'openssl',
    'make the SMTP server a certificate',
    'install openssl (apt-get install openssl)',
  );
  await mkdir(tlsDir(paths), { recursive: true, mode: 0o700 });
  await rm(smtpCaFile(paths), { force: true });
  await runLogged(
    'Making the SMTP server a certificate',
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      '/CN=Switchboard local SMTP',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile(paths),
      '-out',
      smtpCaFile(paths),
    ],
    { logFile },
  );
}

/**
 * maildev is an npm dependency of this package, so it is installed with the workspace; it runs
 * through a launcher that keeps it up when a client's TLS handshake fails (see the file).
 */
function maildevLauncher(paths: StackPaths): string {
  return join(paths.packageDir, 'mail', 'maildev.mjs');
}

export const mail: Component = {
  name: 'mail',
  title: 'MailDev 2 (SMTP over TLS with a password, and an HTTP API)',
  ports: [SMTP_PORT, HTTP_PORT],
  overriddenBy: ['SMTP_URL', 'MAIL_API_URL'],
  endpoints: [
    { label: 'SMTP (implicit TLS, user mailing)', url: `smtps://127.0.0.1:${SMTP_PORT}` },
    { label: 'Mail web UI and API', url: `http://127.0.0.1:${HTTP_PORT}` },
  ],
  startTimeoutSeconds: 30,

  marker: () => join('mail', 'maildev.mjs'),

  installed: async () => true,

  async install() {
    // Nothing to fetch: `pnpm install` brings maildev.
  },

  async prepare(paths, logFile) {
    await ensureCertificate(paths, logFile);
    await ensureSecret(SMTP_SECRET, paths);
  },

  async command(paths) {
    const { value: password } = await ensureSecret(SMTP_SECRET, paths);
    return {
      command: process.execPath,
      args: [
        maildevLauncher(paths),
        '--ip',
        '127.0.0.1',
        '--web-ip',
        '127.0.0.1',
        '--smtp',
        String(SMTP_PORT),
        '--web',
        String(HTTP_PORT),
        // TLS from the first byte (MailDev offers no STARTTLS) and AUTH for the one user.
        '--incoming-secure',
        '--incoming-cert',
        smtpCaFile(paths),
        '--incoming-key',
        keyFile(paths),
        '--incoming-user',
        SMTP_USER,
      ],
      // The password by environment, not on the command line.
      env: { MAILDEV_INCOMING_PASS: password },
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

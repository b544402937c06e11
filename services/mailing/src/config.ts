import { join } from 'node:path';
import {
  type ClientCredentialsOptions,
  ConfigError,
  DEFAULT_PORTS,
  parseEnv,
  clientCredentialsFromEnv,
  secretFromEnv,
  withHiddenSecret,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnv,
} from '@switchboard/config';
import { z } from 'zod';

const url = (name: string, protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => URL.canParse(value) && protocols.includes(new URL(value).protocol),
      `${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`,
    );

const schema = z.object({
  ...serviceEnv('mailing', DEFAULT_PORTS.mailing),
  /**
   * The SMTP server mail is handed to (the local stack's MailDev by default): `smtps://` speaks TLS
   * from the start; `smtp://` upgrades with STARTTLS wherever the server offers it.
   */
  SMTP_URL: url('SMTP_URL', ['smtp:', 'smtps:']).default('smtps://127.0.0.1:1025'),
  /** The user mailing logs in as (its password: SMTP_PASSWORD or SMTP_PASSWORD_FILE); unset, no login. */
  SMTP_USERNAME: z.string().trim().min(1).optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_PASSWORD_FILE: z.string().optional(),
  /** PEM certificates the server's is checked against (the system's when unset). */
  SMTP_CA_FILE: z.string().trim().min(1).optional(),
  /** `true`: refuse a server on smtp:// that does not offer STARTTLS, rather than send in the clear. */
  SMTP_REQUIRE_TLS: z.enum(['true', 'false']).default('false'),
  /** Sender of every message. */
  MAIL_FROM: z.string().min(3).default('Switchboard <no-reply@switchboard.invalid>'),
  /** An IPP printer (ipp:// or http://) for campaign letters; unset, letters go to PRINT_SPOOL_DIR. */
  PRINTER_URL: url('PRINTER_URL', ['ipp:', 'ipps:', 'http:', 'https:']).optional(),
  /** Folder of the print spool, one PDF per letter (default: DATA_DIR/print-spool). */
  PRINT_SPOOL_DIR: z.string().min(1).optional(),
  /** Pause between two recipients of a campaign, sparing the printer and the SMTP server. */
  CAMPAIGN_PACE_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** Billing's API: invoice PDFs are fetched from it, and from nowhere else. */
  BILLING_URL: url('BILLING_URL', ['http:', 'https:']).default(`http://127.0.0.1:${DEFAULT_PORTS.billing}`),
  /** The OAuth 2.0 client mailing fetches invoice PDFs as (its secret: OIDC_CLIENT_SECRET or _FILE). */
  OIDC_CLIENT_ID: z.string().trim().min(1).default('mailing'),
  /** Longest wait between two attempts to send a message the SMTP server refused or missed. */
  MAIL_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(10).max(3_600_000).default(300_000),
  /** A sent email's address, body and PDF (and a completed campaign's contact copies) are kept this many days. */
  SENT_MAIL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

/** How mailing logs in to the SMTP server and checks it. The password is left out of logs and JSON. */
export interface SmtpSecurity {
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly caFile?: string;
  readonly requireTls: boolean;
}

export interface MailingConfig extends ServiceConfig {
  readonly smtpUrl: string;
  readonly smtp: SmtpSecurity;
  readonly mailFrom: string;
  readonly printerUrl: string | undefined;
  readonly printSpoolDir: string;
  readonly campaignPaceMs: number;
  readonly mailRetryMaxDelayMs: number;
  readonly sentMailRetentionDays: number;
  readonly billingUrl: string;
  /** Its own client credentials, for billing's API. */
  readonly client: ClientCredentialsOptions;
}

/** Reads the service's configuration once at boot; fails naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MailingConfig {
  const vars = parseEnv(schema, env);
  const common = serviceConfigOf('mailing', vars);
  const client = clientCredentialsFromEnv('mailing', { ...env, OIDC_TOKEN_URL: common.security.tokenUrl });
  if (!client)
    throw new ConfigError(
      'invalid configuration:\n  OIDC_CLIENT_SECRET: required (or OIDC_CLIENT_SECRET_FILE): mailing fetches invoice PDFs from billing as its own OAuth 2.0 client',
    );
  const password = secretFromEnv('SMTP_PASSWORD', {
    SMTP_PASSWORD: vars.SMTP_PASSWORD,
    SMTP_PASSWORD_FILE: vars.SMTP_PASSWORD_FILE,
  });
  if ((vars.SMTP_USERNAME === undefined) !== (password === undefined))
    throw new ConfigError(
      'invalid configuration:\n  SMTP_USERNAME: set it and SMTP_PASSWORD (or SMTP_PASSWORD_FILE) together, or neither',
    );
  if (new URL(vars.SMTP_URL).password !== '')
    throw new ConfigError(
      'invalid configuration:\n  SMTP_URL: give the password in SMTP_PASSWORD or SMTP_PASSWORD_FILE, not in the URL',
    );
  const auth =
    vars.SMTP_USERNAME && password !== undefined
      ? withHiddenSecret({ user: vars.SMTP_USERNAME }, 'pass', password)
      : undefined;
  return {
    ...common,
    smtpUrl: vars.SMTP_URL,
    smtp: {
      ...(auth && { auth }),
      ...(vars.SMTP_CA_FILE && { caFile: vars.SMTP_CA_FILE }),
      requireTls: vars.SMTP_REQUIRE_TLS === 'true',
    },
    mailFrom: vars.MAIL_FROM,
    printerUrl: vars.PRINTER_URL,
    printSpoolDir: vars.PRINT_SPOOL_DIR ?? join(vars.DATA_DIR, 'print-spool'),
    campaignPaceMs: vars.CAMPAIGN_PACE_MS,
    mailRetryMaxDelayMs: vars.MAIL_RETRY_MAX_DELAY_MS,
    sentMailRetentionDays: vars.SENT_MAIL_RETENTION_DAYS,
    billingUrl: vars.BILLING_URL.replace(/\/+$/, ''),
    client,
  };
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig as load } from './config.ts';

/** mailing's configuration with its client secret and Kafka password given, as every deployment must. */
const loadConfig = (env: NodeJS.ProcessEnv) =>
  load({ OIDC_CLIENT_SECRET: 'a-secret', KAFKA_SASL_PASSWORD: 'p', ...env });

describe('loadConfig', () => {
  it('points at the local stack by default and spools letters under DATA_DIR', () => {
    const config = loadConfig({ DATA_DIR: '/var/lib/mailing' });
    expect(config).toMatchObject({
      port: 3004,
      smtpUrl: 'smtps://127.0.0.1:1025',
      smtp: { requireTls: false },
      printerUrl: undefined,
      printSpoolDir: '/var/lib/mailing/print-spool',
      campaignPaceMs: 0,
      mailRetryMaxDelayMs: 300_000,
      billingUrl: 'http://127.0.0.1:3002',
      sentMailRetentionDays: 30,
      idempotencyKeyRetentionDays: 7,
    });
  });

  it('keeps sent mail and Idempotency-Keys as long as told, a day at least', () => {
    const config = loadConfig({ SENT_MAIL_RETENTION_DAYS: '365', IDEMPOTENCY_KEY_RETENTION_DAYS: '1' });
    expect(config).toMatchObject({ sentMailRetentionDays: 365, idempotencyKeyRetentionDays: 1 });
    expect(() => loadConfig({ SENT_MAIL_RETENTION_DAYS: '0' })).toThrow(/SENT_MAIL_RETENTION_DAYS/);
  });

  it("fetches invoice PDFs from billing's API where BILLING_URL says", () => {
    expect(loadConfig({ BILLING_URL: 'http://billing:3002/' }).billingUrl).toBe('http://billing:3002');
    expect(() => loadConfig({ BILLING_URL: 'ftp://billing' })).toThrow(
      /BILLING_URL must be a http:\/\/ or https:\/\/ URL/,
    );
  });

  it('takes a printer and a spool folder of its own', () => {
    const config = loadConfig({ PRINTER_URL: 'ipp://printer.example/ipp/print', PRINT_SPOOL_DIR: '/spool' });
    expect(config).toMatchObject({ printerUrl: 'ipp://printer.example/ipp/print', printSpoolDir: '/spool' });
  });

  it('needs its own client secret, from the variable or a file, and never says it', () => {
    expect(() => load({ KAFKA_SASL_PASSWORD: 'p' })).toThrow(
      /OIDC_CLIENT_SECRET: required \(or OIDC_CLIENT_SECRET_FILE\)/,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'mailing-')), 'secret');
    writeFileSync(file, 's3cr3t-from-a-file\n');
    expect(loadConfig({ OIDC_CLIENT_SECRET: undefined, OIDC_CLIENT_SECRET_FILE: file }).client).toMatchObject(
      {
        clientId: 'mailing',
        clientSecret: 's3cr3t-from-a-file',
        tokenUrl: 'http://127.0.0.1:8180/realms/switchboard/protocol/openid-connect/token',
      },
    );
    expect(() =>
      loadConfig({ OIDC_CLIENT_SECRET: undefined, OIDC_CLIENT_SECRET_FILE: `${file}.missing` }),
    ).toThrow(/OIDC_CLIENT_SECRET_FILE: cannot read .*\.missing \(ENOENT\)/);
    expect(() => loadConfig({ OIDC_CLIENT_SECRET: 'x', OIDC_CLIENT_SECRET_FILE: file })).toThrow(/not both/);
  });

  it('fails naming each bad variable', () => {
    expect(() =>
      loadConfig({ SMTP_URL: 'http://mail.example', PRINTER_URL: 'lpd://x', CAMPAIGN_PACE_MS: '-1' }),
    ).toThrow(/SMTP_URL must be a smtp:\/\/ or smtps:\/\/ URL[\s\S]*PRINTER_URL[\s\S]*CAMPAIGN_PACE_MS/);
  });

  it('logs in to the SMTP server with a user and a password it never shows, and may insist on TLS', () => {
    const config = loadConfig({
      SMTP_URL: 'smtp://mail.example:587',
      SMTP_USERNAME: 'mailing',
      SMTP_PASSWORD: 'smtp-s3cret',
      SMTP_CA_FILE: '/etc/ssl/mail-ca.pem',
      SMTP_REQUIRE_TLS: 'true',
    });
    expect(config.smtp).toEqual({
      auth: { user: 'mailing' },
      caFile: '/etc/ssl/mail-ca.pem',
      requireTls: true,
    });
    expect(config.smtp.auth?.pass).toBe('smtp-s3cret');
    expect(JSON.stringify(config)).not.toContain('smtp-s3cret');
    expect(() => loadConfig({ SMTP_USERNAME: 'mailing' })).toThrow(
      /SMTP_USERNAME: set it and SMTP_PASSWORD \(or SMTP_PASSWORD_FILE\) together, or neither/,
    );
    expect(() => loadConfig({ SMTP_URL: 'smtp://mailing:pw@mail.example' })).toThrow(/not in the URL/);
  });
});

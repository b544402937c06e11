import {
  CONSOLE_PORT,
  ConfigError,
  DEFAULT_PORTS,
  parseEnv,
  secretFromEnv,
  serviceConfigOf,
  serviceEnv,
  type ServiceConfig,
  serviceUrlFromEnv,
  type ServiceWithPort,
} from '@switchboard/config';
import { z } from 'zod';

/** The services whose health, outbox and dead letters the console shows. */
export const WATCHED_SERVICES = Object.keys(DEFAULT_PORTS) as ServiceWithPort[];

const url = (name: string) =>
  z
    .string()
    .trim()
    .refine(
      (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
      `${name} must be an http(s) URL`,
    );

const consoleEnv = {
  ...serviceEnv('console', CONSOLE_PORT),
  /** Where browsers reach the console: the base of its login redirect (default: where it listens). */
  CONSOLE_PUBLIC_URL: url('CONSOLE_PUBLIC_URL').optional(),
  /** The console's OAuth 2.0 client at the identity provider (authorization code with PKCE). */
  OIDC_CLIENT_ID: z.string().trim().min(1).default('console'),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET_FILE: z.string().trim().min(1).optional(),
  JAEGER_QUERY_URL: url('JAEGER_QUERY_URL').default('http://127.0.0.1:16686'),
  /** Jaeger's own web UI, where one runs (docker compose): each trace links to it. */
  JAEGER_UI_URL: url('JAEGER_UI_URL').optional(),
  PROMETHEUS_URL: url('PROMETHEUS_URL').default('http://127.0.0.1:9090'),
  /** How long a signed-in session lasts without being used. */
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
};

export interface ConsoleConfig extends ServiceConfig {
  readonly publicUrl: string;
  readonly oidc: {
    readonly issuer: string;
    readonly discoveryUrl: string | undefined;
    readonly clientId: string;
    readonly clientSecret: string;
  };
  readonly jaegerQueryUrl: string;
  readonly jaegerUiUrl: string | undefined;
  readonly prometheusUrl: string;
  readonly sessionIdleMs: number;
  /** Each watched service's API, by name (`<SERVICE>_URL`, default its port on loopback). */
  readonly serviceUrls: Readonly<Record<string, string>>;
}

const trimmed = (value: string): string => value.replace(/\/+$/, '');

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ConsoleConfig {
  const vars = parseEnv(z.object(consoleEnv), env);
  const common = serviceConfigOf('console', vars);
  const clientSecret = secretFromEnv('OIDC_CLIENT_SECRET', {
    OIDC_CLIENT_SECRET: vars.OIDC_CLIENT_SECRET,
    OIDC_CLIENT_SECRET_FILE: vars.OIDC_CLIENT_SECRET_FILE,
  });
  if (clientSecret === undefined)
    throw new ConfigError(
      'invalid configuration:\n  OIDC_CLIENT_SECRET: required (or OIDC_CLIENT_SECRET_FILE): the secret of the console client that signs operators in',
    );
  return {
    ...common,
    publicUrl: trimmed(vars.CONSOLE_PUBLIC_URL ?? `http://${vars.HOST}:${vars.PORT}`),
    oidc: {
      issuer: trimmed(vars.OIDC_ISSUER_URL),
      discoveryUrl: vars.OIDC_DISCOVERY_URL,
      clientId: vars.OIDC_CLIENT_ID,
      clientSecret,
    },
    jaegerQueryUrl: trimmed(vars.JAEGER_QUERY_URL),
    jaegerUiUrl: vars.JAEGER_UI_URL === undefined ? undefined : trimmed(vars.JAEGER_UI_URL),
    prometheusUrl: trimmed(vars.PROMETHEUS_URL),
    sessionIdleMs: vars.SESSION_IDLE_MINUTES * 60_000,
    serviceUrls: Object.fromEntries(WATCHED_SERVICES.map((name) => [name, serviceUrlFromEnv(name, env)])),
  };
}

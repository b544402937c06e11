import { z } from 'zod';
import { tokenUrlOf } from './client-credentials.ts';
import { ConfigError, secretFromEnv } from './env.ts';
import { type KafkaSecurity, kafkaEnv, kafkaSecurityOf } from './kafka.ts';
import { type RegistryCredentials, registryCredentialsOf, registryEnv } from './registry.ts';

export { ConfigError, parseEnv, secretFromEnv, withHiddenSecret } from './env.ts';
export {
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  type KafkaSecurity,
  kafkaEnv,
  kafkaSecurityFromEnv,
  kafkaSecurityOf,
} from './kafka.ts';
export {
  basicAuthorization,
  type RegistryCredentials,
  registryCredentialsFromEnv,
  registryCredentialsOf,
  registryEnv,
} from './registry.ts';

/** Each service's HTTP port unless its `PORT` says otherwise: where tools find it on the local stack. */
export const DEFAULT_PORTS = {
  orders: 3001,
  billing: 3002,
  'conference-bridge': 3003,
  mailing: 3004,
  crm: 3005,
} as const;

export type ServiceWithPort = keyof typeof DEFAULT_PORTS;

/** The flow console's port: the one before the services'. */
export const CONSOLE_PORT = 3000;

/**
 * What `node` is given before a service's `dist/main.js`, wherever the project starts one (the
 * local stack, the tests, the container image, `pnpm start:prod`). V8 sizes the young generation
 * for the machine's memory (16 MB per semi-space here) and keeps it grown while idle; 2 MB keeps
 * each idle service some 12 MB smaller than 8 MB did (134–147 MB against 150–160 MB), at the same
 * throughput (`./switchboard bench flows`, see the README's performance section).
 */
export const SERVICE_NODE_ARGS: readonly string[] = ['--max-semi-space-size=2'];

/**
 * The C library's allocator settings a service runs with (`GLIBC_TUNABLES`), wherever the project
 * starts one. glibc raises its mmap threshold each time a large block is freed, so the large
 * blocks of start-up (module sources read, code compiled) end up carved from the heap, where they
 * stay resident as fragments; a fixed threshold of 128 KB gives them back to the system when
 * freed: some 11 MB less per idle service (`./switchboard bench flows`).
 */
export const SERVICE_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072';

/** `GLIBC_TUNABLES` for a service: the environment's own, with the threshold unless it sets one. */
export function serviceGlibcTunables(env: Readonly<Record<string, string | undefined>> = process.env): {
  GLIBC_TUNABLES: string;
} {
  const own = env.GLIBC_TUNABLES?.trim() ?? '';
  if (own === '') return { GLIBC_TUNABLES: SERVICE_GLIBC_TUNABLES };
  if (own.includes('glibc.malloc.mmap_threshold=')) return { GLIBC_TUNABLES: own };
  return { GLIBC_TUNABLES: `${own}:${SERVICE_GLIBC_TUNABLES}` };
}

/** Where a tool reaches the flow console: `CONSOLE_URL` when set, otherwise its port on loopback. */
export function consoleUrlFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return (env.CONSOLE_URL?.trim() || `http://127.0.0.1:${CONSOLE_PORT}`).replace(/\/+$/, '');
}

/**
 * Where a tool or another service reaches a service's API: `<NAME>_URL` (`BILLING_URL`,
 * `CONFERENCE_BRIDGE_URL`, …) when set, otherwise its default port on loopback.
 */
export function serviceUrlFromEnv(
  service: ServiceWithPort,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const set = env[`${service.toUpperCase().replaceAll('-', '_')}_URL`]?.trim();
  return (set || `http://127.0.0.1:${DEFAULT_PORTS[service]}`).replace(/\/+$/, '');
}

/** The variables of every service's HTTP server: where it listens (loopback unless told). */
export function httpServerEnv(defaultPort: number) {
  return {
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(1).max(65535).default(defaultPort),
  };
}

/**
 * Runs a service's config loader at boot. A ConfigError ends the process with its message alone
 * (exit code 1): the variables at fault, not a stack trace.
 */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const url = (name: string) =>
  z
    .string()
    .trim()
    .refine((value) => URL.canParse(value), `${name} must be a URL`);

/**
 * The variables every service reads besides its own: where Kafka, the schema registry and the
 * trace collector are (the local stack's addresses by default), and its database — PostgreSQL when
 * `DATABASE_URL` is set, PGlite under `DATA_DIR` otherwise.
 */
export function serviceEnv(service: string, defaultPort: number) {
  return {
    ...httpServerEnv(defaultPort),
    KAFKA_BROKERS: z
      .string()
      .default('127.0.0.1:9092')
      .transform((value) =>
        value
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== ''),
      )
      .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^\s:]+:\d+$/.test(b)), {
        message: 'KAFKA_BROKERS must be a comma-separated list of host:port',
      }),
    ...kafkaEnv(service),
    SCHEMA_REGISTRY_URL: url('SCHEMA_REGISTRY_URL').default('http://127.0.0.1:8081/apis/ccompat/v7'),
    ...registryEnv(service),
    OTEL_EXPORTER_OTLP_ENDPOINT: url('OTEL_EXPORTER_OTLP_ENDPOINT').optional(),
    DATABASE_URL: z
      .string()
      .trim()
      .refine((value) => /^postgres(ql)?:\/\//.test(value), 'DATABASE_URL must be a postgres:// URL')
      .optional(),
    /** A file that holds the URL instead (a mounted secret: the URL carries the role's password). */
    DATABASE_URL_FILE: z.string().trim().min(1).optional(),
    DATA_DIR: z.string().min(1).default(`.data/${service}`),
    /** Prefix of every topic and subject name (an environment's own set on a shared cluster). */
    TOPIC_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9._-]*$/, 'TOPIC_PREFIX may hold only letters, digits, ".", "_" and "-"')
      .default(''),
    /** The URL other systems reach this service's API at (in links it publishes); default: where it listens. */
    PUBLIC_URL: z
      .string()
      .trim()
      .refine(
        (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
        'PUBLIC_URL must be an http:// or https:// URL',
      )
      .optional(),
    /** `production` refuses what is tolerable only on a developer's machine (a superuser database URL). */
    NODE_ENV: z.string().trim().default('development'),
    /** Readiness turns down when events wait in the outbox and none was published for this long. */
    OUTBOX_STALL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /** An Idempotency-Key answers retries for this many days after its first request, then it is pruned. */
    IDEMPOTENCY_KEY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
    ...httpSecurityEnv(service),
  };
}

/** The local stack's identity provider (Keycloak's realm `switchboard`). */
export const LOCAL_OIDC_ISSUER = 'http://127.0.0.1:8180/realms/switchboard';

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

/**
 * The variables of an API's security: the OpenID Connect provider whose access tokens it accepts
 * (the local stack's Keycloak by default), the audience it answers to, what stays open, the rate
 * limits per client and route class, and the HTTP server's timeouts.
 */
export function httpSecurityEnv(service: string) {
  return {
    OIDC_ISSUER_URL: url('OIDC_ISSUER_URL').default(LOCAL_OIDC_ISSUER),
    /** Where the provider's discovery document is read (default: under the issuer; another URL where the issuer's own is not reachable from here). */
    OIDC_DISCOVERY_URL: url('OIDC_DISCOVERY_URL').optional(),
    /** Where clients get tokens, as the OpenAPI document tells them (default: Keycloak's, under the issuer). */
    OIDC_TOKEN_URL: url('OIDC_TOKEN_URL').optional(),
    /** The `aud` its tokens must carry. */
    OIDC_AUDIENCE: z.string().trim().min(1).default(service),
    /** Clock skew allowed between the provider and this service on a token's `exp` and `nbf`. */
    OIDC_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
    /** The least time between two fetches of the provider's keys (a token with an unknown key fetches). */
    OIDC_JWKS_COOLDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    /** `open`: anyone may scrape `/metrics`; `token`: a bearer token with switchboard.metrics:read. */
    METRICS_ACCESS: z.enum(['open', 'token']).default('open'),
    /** `open`: `/docs` serves the OpenAPI document; `off`: it is not served. */
    DOCS_ACCESS: z.enum(['open', 'off']).default('open'),
    RATE_LIMIT_READ_PER_MINUTE: perMinute(1200),
    RATE_LIMIT_WRITE_PER_MINUTE: perMinute(600),
    RATE_LIMIT_BULK_PER_MINUTE: perMinute(60),
    /** A request must arrive whole within this time (a 10 MB CSV on a slow link included). */
    HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
    HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(15),
  };
}

/** Requests per minute one client may send of each route class. */
export interface RateLimits {
  readonly read: number;
  readonly write: number;
  readonly bulk: number;
}

/** How an API authenticates and limits its callers (see `httpSecurityEnv`). */
export interface HttpSecurityConfig {
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly tokenUrl: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  readonly jwksCooldownMs: number;
  readonly metricsAccess: 'open' | 'token';
  readonly docsAccess: 'open' | 'off';
  readonly rateLimits: RateLimits;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
}

/** Maps the parsed `httpSecurityEnv` variables to an API's security configuration. */
export function httpSecurityConfigOf(
  vars: z.output<z.ZodObject<ReturnType<typeof httpSecurityEnv>>>,
): HttpSecurityConfig {
  const issuer = vars.OIDC_ISSUER_URL.replace(/\/+$/, '');
  return {
    issuer,
    discoveryUrl: vars.OIDC_DISCOVERY_URL ?? `${issuer}/.well-known/openid-configuration`,
    tokenUrl: vars.OIDC_TOKEN_URL ?? tokenUrlOf(issuer),
    audience: vars.OIDC_AUDIENCE,
    clockToleranceSeconds: vars.OIDC_CLOCK_TOLERANCE_SECONDS,
    jwksCooldownMs: vars.OIDC_JWKS_COOLDOWN_SECONDS * 1000,
    metricsAccess: vars.METRICS_ACCESS,
    docsAccess: vars.DOCS_ACCESS,
    rateLimits: {
      read: vars.RATE_LIMIT_READ_PER_MINUTE,
      write: vars.RATE_LIMIT_WRITE_PER_MINUTE,
      bulk: vars.RATE_LIMIT_BULK_PER_MINUTE,
    },
    requestTimeoutMs: vars.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
    headersTimeoutMs: vars.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
  };
}

/** What `serviceEnv` parses to, as a service's typed configuration sees it. */
export interface ServiceConfig {
  readonly service: string;
  readonly host: string;
  readonly port: number;
  readonly kafkaBrokers: readonly string[];
  /** How it authenticates to Kafka: its own principal, named after the service unless KAFKA_SASL_USERNAME says otherwise. */
  readonly kafkaSecurity: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  /** Its own credentials for the registry (read-only on the local stack); none when no password is set. */
  readonly schemaRegistryCredentials?: RegistryCredentials;
  readonly otlpEndpoint: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly topicPrefix: string;
  /** Set by PUBLIC_URL; unset, the service's links use the address it listens on. */
  readonly publicUrl: string | undefined;
  readonly outboxStallMs: number;
  /** How long an Idempotency-Key is kept (IDEMPOTENCY_KEY_RETENTION_DAYS). */
  readonly idempotencyKeyRetentionDays: number;
  /** NODE_ENV=production. */
  readonly production?: boolean;
  readonly security: HttpSecurityConfig;
}

/** DATABASE_URL, or the URL in the file DATABASE_URL_FILE names; a bad one is named, never shown. */
function databaseUrlOf(vars: { DATABASE_URL?: string; DATABASE_URL_FILE?: string }): string | undefined {
  const url = secretFromEnv('DATABASE_URL', {
    DATABASE_URL: vars.DATABASE_URL,
    DATABASE_URL_FILE: vars.DATABASE_URL_FILE,
  });
  if (url !== undefined && vars.DATABASE_URL_FILE && !/^postgres(ql)?:\/\//.test(url))
    throw new ConfigError(
      `invalid configuration:\n  DATABASE_URL_FILE: ${vars.DATABASE_URL_FILE} must hold a postgres:// URL`,
    );
  return url;
}

/** Maps the parsed `serviceEnv` variables to the common part of a service's configuration. */
export function serviceConfigOf(
  service: string,
  vars: z.output<z.ZodObject<ReturnType<typeof serviceEnv>>>,
): ServiceConfig {
  const databaseUrl = databaseUrlOf(vars);
  const production = vars.NODE_ENV === 'production';
  // PGlite is one process's embedded database: no replica can share it, no backup tool reads it.
  if (production && databaseUrl === undefined)
    throw new ConfigError(
      "invalid configuration:\n  DATABASE_URL: required when NODE_ENV=production (PGlite under DATA_DIR is for a service run alone on a developer's machine)",
    );
  return {
    service,
    host: vars.HOST,
    port: vars.PORT,
    kafkaBrokers: vars.KAFKA_BROKERS,
    kafkaSecurity: kafkaSecurityOf(vars),
    schemaRegistryUrl: vars.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
    schemaRegistryCredentials: registryCredentialsOf(vars),
    otlpEndpoint: vars.OTEL_EXPORTER_OTLP_ENDPOINT,
    databaseUrl,
    dataDir: vars.DATA_DIR,
    topicPrefix: vars.TOPIC_PREFIX,
    publicUrl: vars.PUBLIC_URL?.replace(/\/+$/, ''),
    outboxStallMs: vars.OUTBOX_STALL_SECONDS * 1000,
    idempotencyKeyRetentionDays: vars.IDEMPOTENCY_KEY_RETENTION_DAYS,
    production,
    security: httpSecurityConfigOf(vars),
  };
}

export {
  ClientCredentials,
  clientCredentialsFromEnv,
  type ClientCredentialsOptions,
  tokenUrlOf,
} from './client-credentials.ts';

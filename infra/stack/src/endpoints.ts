/**
 * Where Switchboard's infrastructure lives. Every endpoint has a default on 127.0.0.1 (the local
 * stack) and an environment variable that points it at any other real deployment, so the same
 * code runs against the local stack, testcontainers or a shared cluster.
 */
export interface StackEndpoints {
  /** Kafka bootstrap servers (`KAFKA_BROKERS`, comma-separated host:port). */
  readonly kafkaBrokers: readonly string[];
  /** Confluent-compatible schema registry base URL (`SCHEMA_REGISTRY_URL`). */
  readonly schemaRegistryUrl: string;
  /** OTLP/HTTP base URL that traces are exported to (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly otlpHttpUrl: string;
  /** Jaeger query API base URL (`JAEGER_QUERY_URL`). */
  readonly jaegerQueryUrl: string;
  /** SMTP server URL (`SMTP_URL`: `smtp://` with STARTTLS where offered, `smtps://` TLS from the start). */
  readonly smtpUrl: string;
  /** HTTP API of the mail server that delivered mail is read from (`MAIL_API_URL`). */
  readonly mailApiUrl: string;
  /**
   * Admin URL of a PostgreSQL server whose user may create databases (`POSTGRES_URL`, e.g.
   * `postgres://user:password@host:5432/postgres`); each service gets a database of its own there.
   */
  readonly postgresUrl: string;
  /**
   * OpenID Connect issuer of the tokens the services accept (`OIDC_ISSUER_URL`), e.g.
   * `http://127.0.0.1:8180/realms/switchboard`; its discovery document is under
   * `/.well-known/openid-configuration`.
   */
  readonly oidcIssuerUrl: string;
  /** Prometheus, which scrapes every service (`PROMETHEUS_URL`); its query API is under `/api/v1`. */
  readonly prometheusUrl: string;
}

/** The variables that override each endpoint, in the order they are documented. */
export const ENDPOINT_ENV = {
  kafkaBrokers: 'KAFKA_BROKERS',
  schemaRegistryUrl: 'SCHEMA_REGISTRY_URL',
  otlpHttpUrl: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  jaegerQueryUrl: 'JAEGER_QUERY_URL',
  smtpUrl: 'SMTP_URL',
  mailApiUrl: 'MAIL_API_URL',
  postgresUrl: 'POSTGRES_URL',
  oidcIssuerUrl: 'OIDC_ISSUER_URL',
  prometheusUrl: 'PROMETHEUS_URL',
} as const satisfies Record<keyof StackEndpoints, string>;

/** The local stack's endpoints; every server binds 127.0.0.1 only. */
export const LOCAL_ENDPOINTS: StackEndpoints = {
  kafkaBrokers: ['127.0.0.1:9092'],
  schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
  otlpHttpUrl: 'http://127.0.0.1:4318',
  jaegerQueryUrl: 'http://127.0.0.1:16686',
  smtpUrl: 'smtps://127.0.0.1:1025',
  mailApiUrl: 'http://127.0.0.1:1080',
  // A local-only default password, the same as docker-compose.yml's; the server binds 127.0.0.1.
  postgresUrl: 'postgres://switchboard:switchboard@127.0.0.1:55432/postgres',
  oidcIssuerUrl: 'http://127.0.0.1:8180/realms/switchboard',
  prometheusUrl: 'http://127.0.0.1:9090',
};

type Env = Readonly<Record<string, string | undefined>>;

function fromEnv(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Resolves every endpoint: the environment variable when set, the local stack's otherwise. */
export function resolveEndpoints(env: Env = process.env): StackEndpoints {
  const brokers = fromEnv(env, ENDPOINT_ENV.kafkaBrokers);
  const url = (key: Exclude<keyof StackEndpoints, 'kafkaBrokers'>): string =>
    withoutTrailingSlash(fromEnv(env, ENDPOINT_ENV[key]) ?? LOCAL_ENDPOINTS[key]);
  return {
    kafkaBrokers: brokers
      ? brokers
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== '')
      : LOCAL_ENDPOINTS.kafkaBrokers,
    schemaRegistryUrl: url('schemaRegistryUrl'),
    otlpHttpUrl: url('otlpHttpUrl'),
    jaegerQueryUrl: url('jaegerQueryUrl'),
    smtpUrl: url('smtpUrl'),
    mailApiUrl: url('mailApiUrl'),
    postgresUrl: url('postgresUrl'),
    oidcIssuerUrl: url('oidcIssuerUrl'),
    prometheusUrl: url('prometheusUrl'),
  };
}

/** The endpoints as environment variables, for handing to a child process or a test worker. */
export function endpointsToEnv(endpoints: StackEndpoints): Record<string, string> {
  return {
    [ENDPOINT_ENV.kafkaBrokers]: endpoints.kafkaBrokers.join(','),
    [ENDPOINT_ENV.schemaRegistryUrl]: endpoints.schemaRegistryUrl,
    [ENDPOINT_ENV.otlpHttpUrl]: endpoints.otlpHttpUrl,
    [ENDPOINT_ENV.jaegerQueryUrl]: endpoints.jaegerQueryUrl,
    [ENDPOINT_ENV.smtpUrl]: endpoints.smtpUrl,
    [ENDPOINT_ENV.mailApiUrl]: endpoints.mailApiUrl,
    [ENDPOINT_ENV.postgresUrl]: endpoints.postgresUrl,
    [ENDPOINT_ENV.oidcIssuerUrl]: endpoints.oidcIssuerUrl,
    [ENDPOINT_ENV.prometheusUrl]: endpoints.prometheusUrl,
  };
}

/** A URL fit to print or log: any password in it replaced by nothing (`postgres://user@host/db`). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL the WHATWG parser accepts; strip "user:password@" by hand.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1@');
  }
}

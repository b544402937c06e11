import { LOCAL_KAFKA, LOCAL_SCHEMA_REGISTRY, LOCAL_TOKEN_URL } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';
import { LOCAL_KAFKA_TLS_BROKER } from './components/kafka.ts';
import { endpointsToEnv, LOCAL_ENDPOINTS, resolveEndpoints, withoutPassword } from './endpoints.ts';

describe('resolveEndpoints', () => {
  it('uses the local stack on 127.0.0.1 when nothing is set', () => {
    expect(resolveEndpoints({})).toEqual(LOCAL_ENDPOINTS);
    for (const url of Object.values(endpointsToEnv(LOCAL_ENDPOINTS))) expect(url).toContain('127.0.0.1');
  });

  it('lets every variable point its endpoint at another deployment', () => {
    const env = {
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      JAEGER_QUERY_URL: 'http://jaeger:16686',
      SMTP_URL: 'smtp://mail:25',
      MAIL_API_URL: 'http://mail:8025',
      POSTGRES_URL: 'postgres://admin:secret@db.internal:5432/postgres',
      OIDC_ISSUER_URL: 'https://login.example.com/realms/switchboard/',
      PROMETHEUS_URL: 'http://prometheus:9090/',
    };
    const endpoints = resolveEndpoints(env);
    expect(endpoints).toEqual({
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9092'],
      schemaRegistryUrl: 'http://registry:8081',
      otlpHttpUrl: 'http://collector:4318',
      jaegerQueryUrl: 'http://jaeger:16686',
      smtpUrl: 'smtp://mail:25',
      mailApiUrl: 'http://mail:8025',
      postgresUrl: 'postgres://admin:secret@db.internal:5432/postgres',
      oidcIssuerUrl: 'https://login.example.com/realms/switchboard',
      prometheusUrl: 'http://prometheus:9090',
    });
    expect(resolveEndpoints(endpointsToEnv(endpoints))).toEqual(endpoints);
  });

  it('treats an empty variable as unset', () => {
    expect(resolveEndpoints({ KAFKA_BROKERS: ' ', SMTP_URL: '', POSTGRES_URL: ' ' })).toEqual(
      LOCAL_ENDPOINTS,
    );
  });

  it('points PostgreSQL at the local stack on port 55432, clear of a system cluster on 5432', () => {
    expect(resolveEndpoints({}).postgresUrl).toBe(
      'postgres://switchboard:switchboard@127.0.0.1:55432/postgres',
    );
  });

  it('points the OIDC issuer at the realm of the local stack on port 8180', () => {
    expect(resolveEndpoints({}).oidcIssuerUrl).toBe('http://127.0.0.1:8180/realms/switchboard');
  });
});

describe('withoutPassword', () => {
  it('drops the password and keeps everything else', () => {
    expect(withoutPassword(LOCAL_ENDPOINTS.postgresUrl)).toBe(
      'postgres://switchboard@127.0.0.1:55432/postgres',
    );
    expect(withoutPassword('postgres://a:p%40ss@[::1]:5432/db?sslmode=require')).toBe(
      'postgres://a@[::1]:5432/db?sslmode=require',
    );
  });

  it('leaves a URL without a password as it is', () => {
    for (const url of ['http://127.0.0.1:1080', 'postgres://user@host/db', '127.0.0.1:9092']) {
      expect(withoutPassword(url)).toBe(url);
    }
  });

  it('strips the password even from a URL the WHATWG parser refuses', () => {
    expect(withoutPassword('postgres://u:secret@host:notaport/db')).toBe('postgres://u@host:notaport/db');
  });
});

describe("the AsyncAPI document's local servers", () => {
  it('are where the local stack listens', () => {
    expect([LOCAL_KAFKA.plain]).toEqual(LOCAL_ENDPOINTS.kafkaBrokers);
    expect(LOCAL_KAFKA.tls).toBe(LOCAL_KAFKA_TLS_BROKER);
    expect(LOCAL_SCHEMA_REGISTRY).toBe(LOCAL_ENDPOINTS.schemaRegistryUrl);
    expect(LOCAL_TOKEN_URL).toBe(`${LOCAL_ENDPOINTS.oidcIssuerUrl}/protocol/openid-connect/token`);
  });
});

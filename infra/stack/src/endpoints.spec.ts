import { describe, expect, it } from 'vitest';
import { endpointsToEnv, LOCAL_ENDPOINTS, resolveEndpoints } from './endpoints.ts';

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
    };
    const endpoints = resolveEndpoints(env);
    expect(endpoints).toEqual({
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9092'],
      schemaRegistryUrl: 'http://registry:8081',
      otlpHttpUrl: 'http://collector:4318',
      jaegerQueryUrl: 'http://jaeger:16686',
      smtpUrl: 'smtp://mail:25',
      mailApiUrl: 'http://mail:8025',
    });
    expect(resolveEndpoints(endpointsToEnv(endpoints))).toEqual(endpoints);
  });

  it('treats an empty variable as unset', () => {
    expect(resolveEndpoints({ KAFKA_BROKERS: ' ', SMTP_URL: '' })).toEqual(LOCAL_ENDPOINTS);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS } from '@switchboard/config';
import { LOCAL_ENDPOINTS } from '@switchboard/stack';

/**
 * No Docker engine runs here, so docker-compose.yml is checked by reading it: what a user with
 * Docker gets must be the same system that the local stack and the tests run.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

const INFRASTRUCTURE = ['kafka', 'schema-registry', 'jaeger', 'postgres', 'mailpit'];
const APPLICATIONS = ['orders', 'conference-bridge', 'billing', 'crm', 'mailing'];

describe('docker-compose.yml', () => {
  it('has the infrastructure and every service, nothing else', () => {
    expect(Object.keys(services).sort()).toEqual([...INFRASTRUCTURE, ...APPLICATIONS].sort());
  });

  it.each([...INFRASTRUCTURE, ...APPLICATIONS])('%s has a healthcheck', (name) => {
    const test = services[name]?.healthcheck?.test;
    expect(test, `${name} healthcheck`).toBeDefined();
    expect(test?.length).toBeGreaterThan(0);
  });

  it.each(INFRASTRUCTURE)('%s runs a pinned official image', (name) => {
    const image = services[name]?.image ?? '';
    expect(image).toMatch(
      /^(apache\/kafka|confluentinc\/cp-schema-registry|jaegertracing\/jaeger|postgres|axllent\/mailpit):/,
    );
    expect(image).not.toMatch(/:latest$/);
  });

  it('uses Jaeger v2', () => {
    expect(services.jaeger?.image).toMatch(/^jaegertracing\/jaeger:2\./);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port, `${name} port ${port}`).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('publishes PostgreSQL on the local stack port, so one default POSTGRES_URL serves both', () => {
    const port = new URL(LOCAL_ENDPOINTS.postgresUrl).port;
    expect(services.postgres?.ports).toEqual([`127.0.0.1:${port}:5432`]);
  });

  it('points every dependency at a service that exists and waits for it to be healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
        expect(condition, `${name} -> ${dependency}`).toBe('service_healthy');
      }
    }
  });

  describe.each(APPLICATIONS)('service %s', (name) => {
    const service = services[name] ?? {};

    it('builds from its own Dockerfile, which builds only its dependency closure', () => {
      expect(service.build).toEqual({ context: '.', dockerfile: `services/${name}/Dockerfile` });
      const dockerfile = readFileSync(join(ROOT, 'services', name, 'Dockerfile'), 'utf8');
      expect(dockerfile).toContain(`--filter "@switchboard/${name}..."`);
      for (const other of APPLICATIONS.filter((o) => o !== name)) {
        expect(dockerfile).not.toContain(`@switchboard/${other}"`);
      }
      expect(dockerfile).toMatch(/^FROM node:24\./m);
      expect(existsSync(join(ROOT, 'services', name, 'package.json'))).toBe(true);
    });

    it('depends on healthy Kafka, registry, Jaeger and Postgres and is told where they are', () => {
      expect(Object.keys(service.depends_on ?? {})).toEqual(
        expect.arrayContaining(['kafka', 'schema-registry', 'jaeger', 'postgres']),
      );
      expect(service.environment).toMatchObject({
        KAFKA_BROKERS: 'kafka:19092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      });
      expect(String(service.environment?.DATABASE_URL)).toContain('@postgres:5432/');
    });

    it('publishes the port its own package listens on by default', () => {
      const config = readFileSync(join(ROOT, 'services', name, 'src', 'config.ts'), 'utf8');
      // Each service's config takes its default port from the one list of them.
      expect(config).toMatch(/serviceEnv\('[^']+', DEFAULT_PORTS(\.\w+|\['[^']+'\])\)/);
      const port = DEFAULT_PORTS[name as keyof typeof DEFAULT_PORTS];
      expect(service.environment?.PORT).toBe(port);
      expect(service.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    });
  });
});

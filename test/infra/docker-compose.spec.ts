import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONSOLE_PORT, DEFAULT_PORTS, SERVICE_GLIBC_TUNABLES, SERVICE_NODE_ARGS } from '@switchboard/config';
import { kafkaPrincipals } from '@switchboard/messaging';
import { LOCAL_ENDPOINTS } from '@switchboard/stack';
import { serviceDatabases } from '../../infra/stack/src/components/postgres.ts';

/**
 * No Docker engine runs here, so docker-compose.yml is checked by reading it: what a user with
 * Docker gets must be the same system that the local stack and the tests run.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface ComposeService {
  image?: string;
  entrypoint?: string[];
  build?: { context: string; dockerfile: string; args?: Record<string, string | number> };
  ports?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  command?: string[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

const INFRASTRUCTURE = [
  'kafka',
  'schema-registry',
  'jaeger',
  'postgres',
  'mailpit',
  'keycloak',
  'prometheus',
];
const APPLICATIONS = ['orders', 'conference-bridge', 'billing', 'crm', 'mailing', 'console'];
/** Each application's port: the services' defaults, and the console's. */
const PORTS: Readonly<Record<string, number>> = { ...DEFAULT_PORTS, console: CONSOLE_PORT };
/** One-shot steps that run to completion before the services start. */
const SETUP = ['kafka-users', 'kafka-topics', 'contracts-register'];

/** The .env variable of a Kafka principal's password (generate-env.sh writes every one compose names). */
const passwordVariable = (principal: string): string =>
  `KAFKA_PASSWORD_${principal.toUpperCase().replaceAll('-', '_')}`;
const fromEnvFile = (variable: string): string => `\${${variable}:?run infra/docker/generate-env.sh}`;

/** The one Dockerfile every service's image is built from, told which service by build args. */
const SERVICE_DOCKERFILE = 'infra/docker/service.Dockerfile';
const dockerfile = readFileSync(join(ROOT, SERVICE_DOCKERFILE), 'utf8');
/** Its instructions, comments and the `# syntax` line left out and continued lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
/** Its stages: the instructions from each FROM up to the next. */
const stages = instructions.reduce<string[][]>((all, line) => {
  if (/^FROM\s/i.test(line)) all.push([]);
  all.at(-1)?.push(line);
  return all;
}, []);
const runtime = stages.at(-1) ?? [];

describe('docker-compose.yml', () => {
  it('has the infrastructure, its set-up steps and every service, nothing else', () => {
    expect(Object.keys(services).sort()).toEqual([...INFRASTRUCTURE, ...SETUP, ...APPLICATIONS].sort());
  });

  it.each([...INFRASTRUCTURE, ...APPLICATIONS])('%s has a healthcheck', (name) => {
    const test = services[name]?.healthcheck?.test;
    expect(test, `${name} healthcheck`).toBeDefined();
    expect(test?.length).toBeGreaterThan(0);
  });

  it.each(INFRASTRUCTURE)('%s runs a pinned official image', (name) => {
    const image = services[name]?.image ?? '';
    expect(image).toMatch(
      /^(apache\/kafka|confluentinc\/cp-schema-registry|jaegertracing\/jaeger|postgres|axllent\/mailpit|quay\.io\/keycloak\/keycloak|prom\/prometheus):/,
    );
    expect(image).not.toMatch(/:latest$/);
  });

  it('imports the realm the local stack applies, with every client secret from the environment', () => {
    const keycloak = services.keycloak;
    expect(keycloak?.volumes).toContain(
      './infra/identity/switchboard-realm.json:/opt/keycloak/data/import/switchboard-realm.json:ro',
    );
    const realm = readFileSync(join(ROOT, 'infra', 'identity', 'switchboard-realm.json'), 'utf8');
    for (const [variable] of realm.matchAll(/SWITCHBOARD_SECRET_[A-Z0-9_]+/g))
      expect(String(keycloak?.environment?.[variable]), variable).toBe(
        `\${${variable}:?run infra/docker/generate-env.sh}`,
      );
  });

  it('uses Jaeger v2', () => {
    expect(services.jaeger?.image).toMatch(/^jaegertracing\/jaeger:2\./);
  });

  it("runs Prometheus with the catalog's rules, scraping every service as its own client", () => {
    const volumes = services.prometheus?.volumes ?? [];
    expect(volumes).toContain(
      './packages/contracts/prometheus-rules.yml:/etc/prometheus/rules/prometheus-rules.yml:ro',
    );
    const config = parse(
      readFileSync(join(ROOT, 'infra', 'prometheus', 'prometheus.compose.yml'), 'utf8'),
    ) as {
      rule_files: string[];
      scrape_configs: {
        oauth2: { client_id: string; scopes: string[] };
        static_configs: { targets: string[]; labels: { service: string } }[];
      }[];
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/prometheus-rules.yml']);
    const [job] = config.scrape_configs;
    expect(job?.oauth2).toMatchObject({ client_id: 'prometheus', scopes: ['switchboard.metrics:read'] });
    const scraped = (job?.static_configs ?? []).map((c) => [c.labels.service, c.targets[0]]);
    expect(scraped.sort()).toEqual(APPLICATIONS.map((name) => [name, `${name}:${PORTS[name]}`]).sort());
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

  it('points every dependency at a service that exists and waits for it to be healthy, or a set-up step to finish', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
        expect(condition, `${name} -> ${dependency}`).toBe(
          SETUP.includes(dependency) ? 'service_completed_successfully' : 'service_healthy',
        );
      }
    }
  });

  it('runs Kafka with SASL on every listener and an authorizer that denies what no ACL allows', () => {
    const kafka = services.kafka?.environment ?? {};
    const protocols = String(kafka.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP)
      .split(',')
      .map((entry) => entry.split(':')[1]);
    expect(protocols.length).toBeGreaterThan(0);
    expect(protocols.every((protocol) => protocol === 'SASL_PLAINTEXT')).toBe(true);
    expect(kafka).toMatchObject({
      KAFKA_AUTHORIZER_CLASS_NAME: 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND: 'false',
      KAFKA_SUPER_USERS: 'User:broker;User:switchboard-admin',
    });
  });

  it("gives every principal of the catalog, the admin and the registry a password from .env, then applies the catalog's topics and ACLs", () => {
    const users = services['kafka-users']?.environment ?? {};
    for (const principal of [...kafkaPrincipals(), 'switchboard-admin', 'schema-registry'])
      expect(users[passwordVariable(principal)], principal).toBe(fromEnvFile(passwordVariable(principal)));
    const topics = services['kafka-topics'];
    expect(topics?.command).toEqual([
      'node',
      'node_modules/@switchboard/messaging/dist/cli/topics.js',
      'apply',
    ]);
    expect(topics?.environment).toMatchObject({
      KAFKA_SASL_USERNAME: 'switchboard-admin',
      KAFKA_SASL_PASSWORD: fromEnvFile(passwordVariable('switchboard-admin')),
    });
    expect(services['schema-registry']?.environment?.SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG).toContain(
      `username="schema-registry" password="${fromEnvFile(passwordVariable('schema-registry'))}"`,
    );
  });

  it('asks every caller of the schema registry for credentials; only the contracts step registers schemas', () => {
    const registry = services['schema-registry'];
    expect(registry?.environment).toMatchObject({
      SCHEMA_REGISTRY_AUTHENTICATION_METHOD: 'BASIC',
      SCHEMA_REGISTRY_AUTHENTICATION_REALM: 'SchemaRegistry',
    });
    expect(registry?.entrypoint).toEqual(['/bin/bash', '/switchboard/schema-registry-auth.sh']);
    const script = readFileSync(join(ROOT, 'infra', 'docker', 'schema-registry-auth.sh'), 'utf8');
    for (const client of [...APPLICATIONS, 'contracts']) {
      expect(script, client).toMatch(new RegExp(`\\b${client}:(reader|writer)\\b`));
      const variable = `SWITCHBOARD_SECRET_${client.toUpperCase().replaceAll('-', '_')}`;
      expect(registry?.environment?.[variable], variable).toBe(fromEnvFile(variable));
    }
    const register = services['contracts-register'];
    expect(register?.command).toEqual(['node', 'node_modules/@switchboard/messaging/dist/cli/schemas.js']);
    expect(register?.environment).toMatchObject({
      SCHEMA_REGISTRY_USERNAME: 'contracts',
      SCHEMA_REGISTRY_PASSWORD: fromEnvFile('SWITCHBOARD_SECRET_CONTRACTS'),
    });
    for (const name of APPLICATIONS) {
      const variable = `SWITCHBOARD_SECRET_${name.toUpperCase().replaceAll('-', '_')}`;
      expect(services[name]?.environment?.SCHEMA_REGISTRY_PASSWORD, name).toBe(fromEnvFile(variable));
      expect(services[name]?.environment?.SCHEMA_REGISTRY_USERNAME, name).toBeUndefined();
    }
  });

  it('makes mailing log in to the SMTP server, over STARTTLS that both insist on', () => {
    expect(services.mailpit?.environment).toMatchObject({
      MP_SMTP_REQUIRE_STARTTLS: 'true',
      MP_SMTP_AUTH: `mailing:${fromEnvFile('SMTP_PASSWORD_MAILING')}`,
      MP_SMTP_TLS_CERT: '/certs/smtp-cert.pem',
    });
    expect(services.mailing?.environment).toMatchObject({
      SMTP_URL: 'smtp://mailpit:1025',
      SMTP_USERNAME: 'mailing',
      SMTP_PASSWORD: fromEnvFile('SMTP_PASSWORD_MAILING'),
      SMTP_CA_FILE: '/certs/smtp-cert.pem',
      SMTP_REQUIRE_TLS: 'true',
    });
    // generate-env.sh makes the certificate both mount.
    expect(readFileSync(join(ROOT, 'infra', 'docker', 'generate-env.sh'), 'utf8')).toContain(
      'subjectAltName=DNS:mailpit',
    );
  });

  it('gives each database a role of its own, and no service or Keycloak the superuser', () => {
    const postgres = services.postgres;
    expect(postgres?.volumes?.at(-1)).toBe(
      './infra/postgres/roles.sh:/docker-entrypoint-initdb.d/zz-roles.sh:ro',
    );
    const databases = [
      ...serviceDatabases(readFileSync(join(ROOT, 'infra', 'postgres', 'init.sql'), 'utf8')),
      'keycloak',
    ];
    for (const database of databases) {
      const variable = `POSTGRES_PASSWORD_${database.toUpperCase()}`;
      expect(postgres?.environment?.[variable], variable).toBe(fromEnvFile(variable));
    }
    expect(services.keycloak?.environment).toMatchObject({
      KC_DB_USERNAME: 'keycloak',
      KC_DB_PASSWORD: fromEnvFile('POSTGRES_PASSWORD_KEYCLOAK'),
    });
    for (const name of APPLICATIONS) {
      const database = name.replaceAll('-', '_');
      expect(services[name]?.environment?.DATABASE_URL, name).toBe(
        `postgres://${database}:${fromEnvFile(`POSTGRES_PASSWORD_${database.toUpperCase()}`)}@postgres:5432/${database}`,
      );
    }
  });

  describe.each(APPLICATIONS)('service %s', (name) => {
    const service = services[name] ?? {};

    it('builds from the shared Dockerfile, told its own name and port', () => {
      expect(service.build).toEqual({
        context: '.',
        dockerfile: SERVICE_DOCKERFILE,
        args: { SERVICE: name, PORT: PORTS[name] },
      });
      // SERVICE names the folder under services/, whose package is @switchboard/<SERVICE>.
      const manifest = JSON.parse(readFileSync(join(ROOT, 'services', name, 'package.json'), 'utf8')) as {
        name: string;
      };
      expect(manifest.name).toBe(`@switchboard/${name}`);
      // No copy of its own is left to drift from the shared one.
      expect(existsSync(join(ROOT, 'services', name, 'Dockerfile'))).toBe(false);
    });

    it('starts from its package scripts with the Node.js options and allocator settings of every other start', () => {
      const { scripts } = JSON.parse(readFileSync(join(ROOT, 'services', name, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      const node = [
        `GLIBC_TUNABLES=${SERVICE_GLIBC_TUNABLES}`,
        'node',
        ...SERVICE_NODE_ARGS,
        'dist/main.js',
      ].join(' ');
      expect(scripts['start:prod']).toBe(node);
      expect(scripts.start).toBe(`tsc -b && ${node}`);
    });

    it('has a folder of its own in the image for every volume it mounts there, owned by node', () => {
      for (const volume of service.volumes ?? []) {
        const [source = '', target = ''] = volume.split(':');
        // A bind mount brings its own folder; a fresh named volume copies the image's, owner included.
        if (source.startsWith('.') || source.startsWith('/')) continue;
        expect(target, volume).toMatch(/^\/app\/\.data\//);
        const folder = target.slice('/app/'.length);
        expect(runtime, volume).toContainEqual(
          expect.stringMatching(new RegExp(`mkdir -p (\\S+ )*${folder.replaceAll('.', '\\.')}( |$)`)),
        );
      }
    });

    it('waits for the topics, ACLs and schemas, the registry, Jaeger, Postgres and Keycloak and is told where they are', () => {
      expect(Object.keys(service.depends_on ?? {})).toEqual(
        expect.arrayContaining([
          'kafka-topics',
          'contracts-register',
          'schema-registry',
          'jaeger',
          'postgres',
          'keycloak',
        ]),
      );
      expect(service.environment).toMatchObject({
        KAFKA_BROKERS: 'kafka:19092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
        OIDC_ISSUER_URL: 'http://127.0.0.1:8180/realms/switchboard',
        OIDC_DISCOVERY_URL: 'http://keycloak:8180/realms/switchboard/.well-known/openid-configuration',
      });
      expect(String(service.environment?.DATABASE_URL)).toContain('@postgres:5432/');
      // As its own Kafka principal, named after it (KAFKA_SASL_USERNAME's default).
      expect(service.environment?.KAFKA_SASL_USERNAME).toBeUndefined();
      expect(service.environment?.KAFKA_SASL_PASSWORD).toBe(fromEnvFile(passwordVariable(name)));
    });

    it('publishes the port its own package listens on by default', () => {
      const config = readFileSync(join(ROOT, 'services', name, 'src', 'config.ts'), 'utf8');
      // Each service's config takes its default port from the one list of them.
      expect(config).toMatch(/serviceEnv\('[^']+', (DEFAULT_PORTS(\.\w+|\['[^']+'\])|CONSOLE_PORT)\)/);
      const port = PORTS[name];
      expect(service.environment?.PORT).toBe(port);
      expect(service.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    });
  });
});

describe(SERVICE_DOCKERFILE, () => {
  it('has a build stage and a runtime stage, both on the pinned Node 24', () => {
    const from = stages.map((stage) => stage[0]);
    expect(from).toHaveLength(2);
    const node = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();
    expect(node).toMatch(/^24\./);
    expect(from).toEqual([`FROM node:${node}-bookworm-slim AS build`, `FROM node:${node}-bookworm-slim`]);
    expect(dockerfile).toMatch(/^FROM node:24\./m);
  });

  it('installs the pnpm of packageManager', () => {
    const { packageManager } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      packageManager: string;
    };
    expect(stages[0]).toContain(`RUN npm install --global --no-audit --no-fund ${packageManager}`);
  });

  it('fails the build, saying what to pass, when SERVICE or PORT is not given', () => {
    const check = stages[0]?.find((line) => line.includes('test -n "$SERVICE"'));
    expect(check).toMatch(/test -n "\$SERVICE" \|\| \(echo '[^']*--build-arg SERVICE=[^']*' >&2 && exit 1\)/);
    expect(check).toMatch(
      /case "\$PORT" in ''\|\*\[!0-9\]\*\) echo '[^']*--build-arg PORT=[^']*' >&2 && exit 1;;/,
    );
    // Before anything is copied or installed for the service.
    const at = (pattern: RegExp) => stages[0]?.findIndex((line) => pattern.test(line)) ?? -1;
    expect(at(/test -n "\$SERVICE"/)).toBeGreaterThan(0);
    expect(at(/test -n "\$SERVICE"/)).toBeLessThan(at(/^COPY /));
  });

  it('builds only the dependency closure of @switchboard/${SERVICE}', () => {
    const build = stages[0]?.find((line) => line.includes('pnpm install')) ?? '';
    expect(build).toContain('pnpm install --frozen-lockfile --filter "@switchboard/${SERVICE}..."');
    expect(build).toContain('pnpm --filter "@switchboard/${SERVICE}..." run build');
    expect(build).toContain('pnpm --filter "@switchboard/${SERVICE}" deploy --legacy --prod /out');
    expect(build.match(/--filter "[^"]*"/g)).toEqual([
      '--filter "@switchboard/${SERVICE}..."',
      '--filter "@switchboard/${SERVICE}..."',
      '--filter "@switchboard/${SERVICE}"',
    ]);
  });

  it('names no service', () => {
    for (const name of APPLICATIONS) expect(dockerfile).not.toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('declares every variable it uses in the stage that uses it, before the use', () => {
    // An ARG ends with its stage: one declared before the first FROM or in another stage is empty here.
    for (const stage of stages) {
      const declared = new Set<string>();
      let uses = 0;
      for (const line of stage) {
        for (const [, variable] of line.matchAll(/\$\{?(\w+)/g)) {
          uses += 1;
          expect([...declared], `${stage[0]}: ${line}`).toContain(variable);
        }
        const arg = /^ARG\s+(\w+)/.exec(line)?.[1];
        if (arg) declared.add(arg);
        if (line.startsWith('ENV '))
          for (const [, name] of line.matchAll(/(\w+)=/g)) declared.add(name ?? '');
      }
      expect(uses, stage[0]).toBeGreaterThan(0);
    }
  });

  it('runs the deployed service as node on PORT, with the Node.js options and allocator settings of every other start, and a readiness healthcheck on the same port', () => {
    const cmd = `CMD ${JSON.stringify(['node', ...SERVICE_NODE_ARGS, 'dist/main.js'])}`.replaceAll(',', ', ');
    expect(runtime).toEqual(
      expect.arrayContaining([
        'ARG PORT',
        `ENV NODE_ENV=production HOST=0.0.0.0 PORT=\${PORT} GLIBC_TUNABLES=${SERVICE_GLIBC_TUNABLES}`,
        'WORKDIR /app',
        'COPY --from=build /out ./',
        'USER node',
        'EXPOSE ${PORT}',
        cmd,
      ]),
    );
    expect(runtime).toContainEqual(
      expect.stringMatching(/^RUN mkdir -p \.data\S* && chown -R node:node \.data$/),
    );
    expect(runtime.indexOf('USER node')).toBeGreaterThan(
      runtime.findIndex((line) => line.includes('chown -R node:node .data')),
    );
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK')) ?? '';
    expect(healthcheck).toContain("fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready')");
    expect(runtime.at(-1)).toBe(cmd);
  });
});

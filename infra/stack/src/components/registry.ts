import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactDir, copyMavenDependencies, exists, installAtomically } from '../artifacts.ts';
import type { Component } from '../component.ts';
import { StackError } from '../errors.ts';
import type { StackPaths } from '../paths.ts';
import { basicAuthorization, tokenUrlOf } from '@switchboard/config';
import { resolveEndpoints } from '../endpoints.ts';
import { readClientSecret } from '../secrets.ts';
import { findJava, requireTool, runLogged } from '../tools.ts';

const VERSION = '3.3.3';
const HTTP_PORT = 8081;
const MANAGEMENT_PORT = 9081;
const BASE = `http://127.0.0.1:${HTTP_PORT}`;
const CCOMPAT = `${BASE}/apis/ccompat/v7`;
const READY_URL = `http://127.0.0.1:${MANAGEMENT_PORT}/health/ready`;
/** The client that sets the registry's global rules: the operator (role sr-admin). */
const ADMIN_CLIENT = 'operator';

const home = (paths: StackPaths): string => artifactDir(paths.artifacts, 'apicurio-registry', VERSION);
const runJar = (paths: StackPaths): string => join(home(paths), 'quarkus-run.jar');

async function fetchOk(url: string, init?: RequestInit): Promise<Response | undefined> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
    return response.ok ? response : undefined;
  } catch {
    return undefined;
  }
}

export const registry: Component = {
  name: 'registry',
  title: `Apicurio Registry ${VERSION} (Confluent-compatible API)`,
  ports: [HTTP_PORT, MANAGEMENT_PORT],
  overriddenBy: ['SCHEMA_REGISTRY_URL'],
  // It asks the identity provider about every client that calls it.
  dependsOn: ['identity'],
  endpoints: [
    { label: 'Schema registry (Confluent API)', url: CCOMPAT },
    { label: 'Registry UI and native API', url: `${BASE}/apis/registry/v3` },
  ],
  startTimeoutSeconds: 120,

  marker: (paths) => runJar(paths),

  installed: async (paths) => exists(runJar(paths)),

  async install(paths, logFile) {
    const tar = await requireTool('tar', 'unpack Apicurio Registry', 'install tar (apt-get install tar)');
    await installAtomically(home(paths), async (scratch) => {
      const download = join(scratch, 'download');
      await copyMavenDependencies(
        `Apicurio Registry ${VERSION}`,
        join(paths.packageDir, 'maven', 'registry', 'pom.xml'),
        download,
        logFile,
      );
      const archive = join(download, `apicurio-registry-app-${VERSION}-all.tar.gz`);
      if (!(await exists(archive))) throw new StackError(`Maven did not deliver ${archive}`);
      await runLogged('Unpacking Apicurio Registry', tar, ['-xzf', archive, '-C', scratch], { logFile });
      await rm(download, { recursive: true, force: true });
    });
  },

  async command(paths) {
    const java = await findJava(21, `run Apicurio Registry ${VERSION}`);
    const issuer = resolveEndpoints().oidcIssuerUrl;
    const dataDir = join(paths.data, 'registry');
    await mkdir(dataDir, { recursive: true });
    return {
      command: java,
      args: [
        '-Xms128m',
        '-Xmx512m',
        '-Djava.awt.headless=true',
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.http.port=${HTTP_PORT}`,
        '-Dquarkus.management.host=127.0.0.1',
        `-Dquarkus.management.port=${MANAGEMENT_PORT}`,
        // Schemas must outlive a restart: Kafka keeps records that name their schema ids.
        `-Dapicurio.datasource.url=jdbc:h2:file:${join(dataDir, 'registry')};DB_CLOSE_ON_EXIT=FALSE`,
        '-Dapicurio.datasource.jdbc.initial-size=2',
        '-Dapicurio.datasource.jdbc.min-size=2',
        '-Dapicurio.datasource.jdbc.max-size=20',
        // Every call authenticated: a bearer token of the stack's identity provider, or HTTP basic
        // with an OAuth 2.0 client's id and secret (what Confluent clients send), which the
        // registry exchanges for that client's token. The token's realm roles decide: sr-readonly
        // reads, sr-developer registers, sr-admin also changes global rules.
        '-Dquarkus.oidc.tenant-enabled=true',
        `-Dquarkus.oidc.auth-server-url=${issuer}`,
        `-Dquarkus.oidc.token-path=${tokenUrlOf(issuer)}`,
        '-Dquarkus.oidc.client-id=schema-registry',
        '-Dapicurio.authn.basic-client-credentials.enabled=true',
        // A refused secret is remembered this many minutes (default 10): a rotated one works soon.
        '-Dapicurio.authn.basic-client-credentials.cache-expiration=1',
        '-Dapicurio.auth.role-based-authorization=true',
        '-Dapicurio.auth.role-source=token',
        '-Dapicurio.auth.anonymous-read-access.enabled=false',
        '-jar',
        runJar(paths),
      ],
      cwd: home(paths),
    };
  },

  async healthy() {
    // The API asks for credentials; the management interface's readiness does not.
    return (await fetchOk(READY_URL)) !== undefined;
  },

  async configure(paths) {
    // Apicurio starts with compatibility NONE; every subject must stay BACKWARD-compatible. A
    // global rule is the admin's (sr-admin): set as the operator client.
    const response = await fetchOk(`${CCOMPAT}/config`, {
      method: 'PUT',
      headers: {
        'Content-Type': 'application/vnd.schemaregistry.v1+json',
        // HTTP basic with an OAuth 2.0 client's id and secret: the registry exchanges them for its token.
        Authorization: basicAuthorization({
          username: ADMIN_CLIENT,
          password: await readClientSecret(ADMIN_CLIENT, paths),
        }),
      },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    if (!response)
      throw new StackError(
        `could not set the registry's default compatibility at ${CCOMPAT}/config as the ${ADMIN_CLIENT} client`,
      );
  },
};

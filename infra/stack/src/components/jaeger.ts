import { execFile } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { artifactDir, exists, installAtomically } from '../artifacts.ts';
import type { Component } from '../component.ts';
import { StackError } from '../errors.ts';
import type { StackPaths } from '../paths.ts';
import { requireTool, runLogged } from '../tools.ts';

const execFileAsync = promisify(execFile);

/**
 * Jaeger publishes each v2 release under a v1 module tag as well (v1.76.0 is Jaeger v2.13.0); its
 * go.mod has a replace directive, so `go install module@version` refuses it and the binary is
 * built inside the module's own source, which comes from the Go module proxy like any module.
 */
const MODULE = 'github.com/jaegertracing/jaeger';
const MODULE_VERSION = 'v1.76.0';
const JAEGER_VERSION = '2.13.0';
const MIN_GO = [1, 24] as const;

const OTLP_GRPC_PORT = 4317;
const OTLP_HTTP_PORT = 4318;
const QUERY_HTTP_PORT = 16686;
const QUERY_GRPC_PORT = 16685;
const HEALTH_PORT = 13133;

const binary = (paths: StackPaths): string =>
  join(artifactDir(paths.artifacts, 'jaeger', JAEGER_VERSION), 'jaeger');

async function requireGo(): Promise<string> {
  const go = await requireTool(
    'go',
    `build Jaeger ${JAEGER_VERSION}`,
    `install Go ${MIN_GO.join('.')} or newer and put its bin folder on PATH`,
  );
  const { stdout } = await execFileAsync(go, ['env', 'GOVERSION']);
  const [major = 0, minor = 0] = stdout.trim().replace(/^go/, '').split('.').map(Number);
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1])) {
    throw new StackError(`Go ${MIN_GO.join('.')}+ is needed to build Jaeger, found ${stdout.trim()}`);
  }
  return go;
}

export const jaeger: Component = {
  name: 'jaeger',
  title: `Jaeger ${JAEGER_VERSION} (in-memory storage)`,
  ports: [OTLP_GRPC_PORT, OTLP_HTTP_PORT, QUERY_HTTP_PORT, QUERY_GRPC_PORT, HEALTH_PORT],
  overriddenBy: ['OTEL_EXPORTER_OTLP_ENDPOINT', 'JAEGER_QUERY_URL'],
  endpoints: [
    { label: 'OTLP/HTTP', url: `http://127.0.0.1:${OTLP_HTTP_PORT}` },
    { label: 'OTLP/gRPC', url: `http://127.0.0.1:${OTLP_GRPC_PORT}` },
    { label: 'Jaeger query API', url: `http://127.0.0.1:${QUERY_HTTP_PORT}/api/services` },
  ],
  startTimeoutSeconds: 30,

  marker: (paths) => binary(paths),

  installed: async (paths) => exists(binary(paths)),

  async install(paths, logFile) {
    const go = await requireGo();
    const env = { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
    const { stdout } = await execFileAsync(go, ['mod', 'download', '-json', `${MODULE}@${MODULE_VERSION}`], {
      env: { ...process.env, ...env },
      maxBuffer: 1 << 20,
    }).catch((error: unknown) => {
      throw new StackError(`go mod download ${MODULE}@${MODULE_VERSION} failed: ${String(error)}`);
    });
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new StackError(`go mod download gave no folder for ${MODULE}@${MODULE_VERSION}`);
    await installAtomically(artifactDir(paths.artifacts, 'jaeger', JAEGER_VERSION), async (scratch) => {
      const source = join(scratch, 'src');
      await cp(moduleDir, source, { recursive: true });
      // The module cache is read-only; the build may add go.sum entries.
      await runLogged('Making the Jaeger source writable', 'chmod', ['-R', 'u+w', source], { logFile });
      await runLogged(
        `Building Jaeger ${JAEGER_VERSION} (several minutes on first use)`,
        go,
        ['build', '-trimpath', '-o', join(scratch, 'jaeger'), './cmd/jaeger'],
        { cwd: source, env, logFile },
      );
      await rm(source, { recursive: true, force: true });
    });
  },

  async command(paths) {
    return {
      command: binary(paths),
      args: ['--config', join(paths.packageDir, 'config', 'jaeger.yaml')],
    };
  },

  async healthy() {
    try {
      const response = await fetch(`http://127.0.0.1:${QUERY_HTTP_PORT}/api/services`, {
        signal: AbortSignal.timeout(2000),
      });
      return response.ok;
    } catch {
      return false;
    }
  },
};

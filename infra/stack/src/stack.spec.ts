import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Component, ComponentName } from './component.ts';
import { StackError } from './errors.ts';
import { stackPaths } from './paths.ts';
import { groupMembers, isAlive, pidsListeningOn, stopProcess } from './processes.ts';
import { COMPONENTS, componentState, inDependencyOrder, withDependencies } from './stack.ts';

/** A component that is just a TCP port, to exercise how the stack tells its processes apart. */
function fakeComponent(port: number, marker: string): Component {
  return {
    name: 'mail',
    title: 'fake',
    ports: [port],
    overriddenBy: ['FAKE_URL'],
    endpoints: [],
    startTimeoutSeconds: 1,
    marker: () => marker,
    installed: async () => true,
    install: async () => undefined,
    command: async () => ({ command: 'true', args: [] }),
    healthy: async () => true,
  };
}

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('componentState', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  async function tempPaths() {
    const home = await mkdtemp(join(tmpdir(), 'stack-'));
    cleanup.push(() => rm(home, { recursive: true, force: true }));
    return stackPaths({ SWITCHBOARD_HOME: home });
  }

  it('adopts a server of its own that holds the port although its pid file is gone', async () => {
    const { server, port } = await listen();
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    // This test process is the "earlier run": its command line carries the marker (vitest).
    const state = await componentState(fakeComponent(port, 'vitest'), await tempPaths(), {});
    expect(state).toEqual({ kind: 'running', pids: [process.pid], healthy: true });
  });

  it('refuses a port held by another program, naming its pid', async () => {
    const { server, port } = await listen();
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const state = await componentState(
      fakeComponent(port, '/no/such/switchboard/artifact'),
      await tempPaths(),
      {},
    );
    expect(state).toMatchObject({ kind: 'foreign', port });
    expect(state.kind === 'foreign' && state.holder).toContain(`pid ${process.pid}`);
  });

  it('ignores a stale pid file and reports the server stopped', async () => {
    const { port, server } = await listen();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const paths = await tempPaths();
    await import('node:fs/promises').then((fs) => fs.mkdir(paths.run, { recursive: true }));
    await writeFile(join(paths.run, 'mail.pid'), `${process.pid}\n`);
    expect(await componentState(fakeComponent(port, '/no/such/marker'), paths, {})).toEqual({
      kind: 'stopped',
    });
  });

  it('leaves a component alone when a variable points it elsewhere', async () => {
    const state = await componentState(fakeComponent(1, 'x'), await tempPaths(), {
      FAKE_URL: 'http://elsewhere',
    });
    expect(state).toEqual({ kind: 'external', variable: 'FAKE_URL' });
  });
});

/** A component that is only a name and what it depends on, for the start order. */
function named(name: ComponentName, dependsOn: ComponentName[] = []): Component {
  return { ...fakeComponent(1, 'x'), name, dependsOn };
}

describe('the components', () => {
  it('are the seven servers, each with its own ports', () => {
    expect(COMPONENTS.map((c) => c.name)).toEqual([
      'postgres',
      'identity',
      'kafka',
      'registry',
      'jaeger',
      'mail',
      'prometheus',
    ]);
    const ports = COMPONENTS.flatMap((c) => c.ports);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('depend only on components of the stack, without a cycle', async () => {
    expect(withDependencies(COMPONENTS)).toEqual(COMPONENTS);
    await Promise.all(
      inDependencyOrder(
        COMPONENTS,
        (c) => c.dependsOn ?? [],
        async () => undefined,
        'skip',
      ),
    );
  });

  it('bring their dependencies along: identity needs postgres', () => {
    const identity = COMPONENTS.filter((c) => c.name === 'identity');
    expect(withDependencies(identity).map((c) => c.name)).toEqual(['postgres', 'identity']);
  });
});

describe('inDependencyOrder', () => {
  const components = [named('identity', ['postgres']), named('postgres'), named('kafka')];
  const dependsOn = (c: Component): readonly ComponentName[] => c.dependsOn ?? [];

  it('starts a component once its dependencies are done, the others at once', async () => {
    const events: string[] = [];
    let releasePostgres = (): void => undefined;
    const postgresDone = new Promise<void>((resolve) => {
      releasePostgres = resolve;
    });
    const tasks = inDependencyOrder(
      components,
      dependsOn,
      async (c) => {
        events.push(`begin ${c.name}`);
        if (c.name === 'postgres') await postgresDone;
        events.push(`end ${c.name}`);
      },
      'skip',
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['begin postgres', 'begin kafka', 'end kafka']);
    releasePostgres();
    await Promise.all(tasks);
    expect(events.slice(3)).toEqual(['end postgres', 'begin identity', 'end identity']);
  });

  it('does not start a component whose dependency failed, and says why', async () => {
    const ran: string[] = [];
    const results = await Promise.allSettled(
      inDependencyOrder(
        components,
        dependsOn,
        async (c) => {
          if (c.name === 'postgres') throw new StackError('postgres broke');
          ran.push(c.name);
        },
        'skip',
      ),
    );
    expect(ran).toEqual(['kafka']);
    expect(results[0]).toMatchObject({
      status: 'rejected',
      reason: new StackError('identity not started: it needs postgres, which did not come up'),
    });
  });

  it('stops dependents first, and goes on when stopping one failed', async () => {
    const stopped: string[] = [];
    const dependents = (c: Component): ComponentName[] =>
      components.filter((d) => d.dependsOn?.includes(c.name)).map((d) => d.name);
    const results = await Promise.allSettled(
      inDependencyOrder(
        components,
        dependents,
        async (c) => {
          if (c.name === 'identity') throw new StackError('identity would not stop');
          stopped.push(c.name);
        },
        'proceed',
      ),
    );
    expect(stopped).toContain('postgres');
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });

  it('refuses a cycle', () => {
    expect(() =>
      inDependencyOrder(
        [named('kafka', ['mail']), named('mail', ['kafka'])],
        dependsOn,
        async () => undefined,
        'skip',
      ),
    ).toThrow(/cycle/);
  });
});

/** The members of a process group once it has at least `size` of them. */
async function waitForGroup(pgid: number, size: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = groupMembers(pgid);
    if (pids.length >= size) return pids;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`process group ${pgid} never reached ${size} members`);
}

describe('stopProcess', () => {
  it('stops a detached server and the children of its process group', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30; wait'], { detached: true, stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error('no pid');
    child.unref();
    const group = await waitForGroup(pid, 3);
    await stopProcess(pid, 2000);
    expect(group.filter(isAlive)).toEqual([]);
  });

  it('stops a server with its own signal when it ignores SIGTERM (as PostgreSQL waits on it)', async () => {
    // TERM is ignored by the shell and, inherited, by sleep; only INT ends them before the grace time.
    const script = 'trap "" TERM; trap "exit 0" INT; sleep 30; exit 1';
    const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error('no pid');
    child.unref();
    const group = await waitForGroup(pid, 2);
    const began = Date.now();
    await stopProcess(pid, 10_000, 'SIGINT');
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(group.filter(isAlive)).toEqual([]);
  });

  it('finds the pid listening on a port', async () => {
    const { server, port } = await listen();
    try {
      expect(await pidsListeningOn(port)).toEqual([process.pid]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * Pipes a client's connection and its upstream's into each other, keeping both in `sockets` until
 * either closes or fails, which closes the other.
 */
export function splice(client: Socket, upstream: Socket, sockets: Set<Socket>): void {
  sockets.add(client).add(upstream);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
    sockets.delete(client);
    sockets.delete(upstream);
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
  client.pipe(upstream).pipe(client);
}

/**
 * A TCP forwarder on 127.0.0.1 in front of a real server, for fault tests: `cut()` makes the
 * server unreachable for whoever connects through it (open connections are reset, new ones
 * refused, as when the server is stopped) and `restore()` makes it reachable again on the same
 * port. The server itself keeps running for every other test, so fault tests can run beside them.
 *
 * @example
 * const proxy = await FaultProxy.start('127.0.0.1', 55432);
 * const url = proxy.rewrite(database.url); // the same URL, through the proxy
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private listenPort = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort);
    await proxy.listen(0);
    return proxy;
  }

  /** The proxy of a URL's server (`host:port` of `url`). */
  static async for(url: string): Promise<FaultProxy> {
    const parsed = new URL(url);
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    return FaultProxy.start(parsed.hostname, port);
  }

  get port(): number {
    return this.listenPort;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.listenPort);
    return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  }

  /** True while the server is reachable through the proxy. */
  get reachable(): boolean {
    return this.server !== undefined;
  }

  /** Resets every connection through the proxy and refuses new ones until `restore()`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen(this.listenPort);
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => {
      splice(client, connect(this.targetPort, this.targetHost), this.sockets);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.listenPort = typeof address === 'object' && address ? address.port : port;
    this.server = server;
  }
}

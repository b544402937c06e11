import { connect, createServer, type Server, type Socket } from 'node:net';
import { splice } from './fault-proxy.ts';

/**
 * A TCP load balancer on 127.0.0.1 in front of a service's replicas, as a deployment has one (a
 * Kubernetes Service, a reverse proxy): each connection goes to the next replica in turn, and to
 * the one after where a replica refuses it (killed, not restarted yet). Clients, and the links a
 * service puts into its events, name the balancer, never one replica.
 */
export class Balancer {
  private targets: readonly number[] = [];
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Balancer> {
    const holder: { balancer?: Balancer } = {};
    const server = createServer((client) => holder.balancer?.forward(client));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    holder.balancer = new Balancer(server, port);
    return holder.balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The replicas' addresses (`http://127.0.0.1:<port>`) to balance over. */
  route(urls: readonly string[]): void {
    this.targets = urls.map((url) => Number(new URL(url).port));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket, tried = 0): void {
    const port = this.targets[this.next++ % Math.max(1, this.targets.length)];
    if (port === undefined || tried >= this.targets.length) {
      client.destroy();
      return;
    }
    client.pause();
    const upstream = connect(port, '127.0.0.1');
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      splice(client, upstream, this.sockets);
      client.resume();
    });
    // Refused: that replica is down; the next one takes the connection.
    upstream.once('error', () => {
      if (!connected) this.forward(client, tried + 1);
    });
  }
}

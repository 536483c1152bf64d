// A TCP proxy on 127.0.0.1 between a gateway and a server, for fault tests. It forwards bytes as
// they come, and on command:
// - cut():   resets every open connection and every new one, as a server that went away;
// - stall(): stops forwarding in both directions and holds what it has, as a server that stopped
//            answering (connections stay open, requests neither finish nor fail);
// - restore(): forwards again, held bytes first.

import { createServer, Socket, type Server } from 'node:net';

type Mode = 'forward' | 'cut' | 'stall';

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class FaultProxy {
  private mode: Mode = 'forward';
  private readonly pairs = new Set<Pair>();
  /** Connections accepted so far, including those reset at once. */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to `target` (e.g. "http://127.0.0.1:8123"). */
  static async start(target: string): Promise<FaultProxy> {
    const { hostname, port } = new URL(target);
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, hostname, Number(port)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new FaultProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** The proxy's URL with the target's scheme and path. */
  url(target: string): string {
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString().replace(/\/$/, '');
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  cut(): void {
    this.mode = 'cut';
    for (const pair of this.pairs) this.drop(pair);
  }

  stall(): void {
    this.mode = 'stall';
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    this.mode = 'forward';
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    this.accepted += 1;
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    const pair = { client, upstream };
    this.pairs.add(pair);
    this.forward(client, upstream);
    this.forward(upstream, client);
    const drop = () => this.drop(pair);
    client.once('close', drop).on('error', drop);
    upstream.once('close', drop).on('error', drop);
    upstream.connect(port, host);
    if (this.mode === 'stall') {
      client.pause();
      upstream.pause();
    }
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk)) return;
      from.pause();
      to.once('drain', () => {
        if (this.mode === 'forward') from.resume();
      });
    });
    from.once('end', () => to.end());
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
  }
}

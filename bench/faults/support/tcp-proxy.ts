// A TCP proxy the suite owns in front of a real server: `delayMs` holds every chunk in both
// directions that long ("store slow"); `down()` destroys every connection and closes each new one
// at once ("PostgreSQL down"), `up()` passes traffic again.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export class TcpProxy {
  readonly port: number;
  delayMs = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #down = false;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => proxy!.#accept(client, targetHost, targetPort));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  get isDown(): boolean {
    return this.#down;
  }

  down(): void {
    this.#down = true;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  up(): void {
    this.#down = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, host: string, port: number): void {
    if (this.#down) return void client.destroy();
    const upstream = connect(port, host);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const pipe = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => {
        if (this.delayMs <= 0) to.write(chunk);
        else {
          from.pause();
          setTimeout(() => {
            if (!to.destroyed) to.write(chunk);
            from.resume();
          }, this.delayMs);
        }
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  }
}

// The embedded PostgreSQL's door: a TCP server on loopback that asks every client for the password
// of this start (MD5 with a salt per connection: PGlite itself accepts any user without one), then
// hands the connection to pglite-socket on a Unix socket in a private (0700) directory, passing one
// unit at a time through the BackendGate.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { BackendGate, type TxStatus } from './backend-gate.js';
import { CANCEL_REQUEST, FrameReader, GSSENC_REQUEST, MAX_STARTUP_BYTES, PROTOCOL_V3, SSL_REQUEST, checkPassword, fatal, md5Answer, md5Request, parseStartup, type WireMessage } from './pg-wire.js';

export interface PgFrontOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The inner server's Unix socket path once PGlite is up (connections wait for it); rejects if it failed. */
  inner: Promise<string>;
  maxConnections: number;
  /** A client that has not authenticated within this is dropped. */
  authTimeoutMs: number;
  /** What one client may have buffered, unsent, before it is dropped. */
  maxPendingBytes: number;
}

const TYPE_QUERY = 0x51; // Q
const TYPE_SYNC = 0x53; // S
const TYPE_TERMINATE = 0x58; // X
const TYPE_READY = 0x5a; // Z

export class PgFront {
  readonly #server: Server;
  readonly #options: PgFrontInternal;
  readonly #clients = new Set<FrontConnection>();
  /** Every socket, refused ones too: close() ends them all, or the server would wait for them. */
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server, options: PgFrontInternal) {
    this.#server = server;
    this.#options = options;
  }

  static listen(options: PgFrontOptions): Promise<PgFront> {
    const internal: PgFrontInternal = { ...options, gate: new BackendGate() };
    // The promise is awaited per connection; a failure is reported there, never unhandled here.
    options.inner.catch(() => {});
    // No Nagle: a reply reaches the front in several writes (the backend is on another thread), and
    // holding the second until the client's delayed ACK cost ≈ 40 ms a query.
    const server = createServer({ noDelay: true });
    const front = new PgFront(server, internal);
    server.on('connection', (socket) => front.#accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        server.on('error', () => {});
        resolve(front);
      });
    });
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  get connections(): number {
    return this.#clients.size;
  }

  close(): Promise<void> {
    for (const c of this.#clients) c.destroy();
    this.#clients.clear();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    socket.on('error', () => {});
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    if (this.#clients.size >= this.#options.maxConnections) {
      refuse(socket, fatal('53300', 'sorry, too many clients already'));
      return;
    }
    const client = new FrontConnection(socket, this.#options, () => this.#clients.delete(client));
    this.#clients.add(client);
  }
}

type PgFrontInternal = PgFrontOptions & { gate: BackendGate };

/** One client: startup and password here, then its units through the gate to its own inner connection. */
class FrontConnection {
  readonly #socket: Socket;
  readonly #o: PgFrontInternal;
  readonly #reader = new FrameReader(false, MAX_STARTUP_BYTES);
  readonly #salt = randomBytes(4);
  readonly #onGone: () => void;
  #state: 'startup' | 'auth' | 'open' | 'closed' = 'startup';
  #startup: Buffer | null = null;
  #user = '';
  #inner: Socket | null = null;
  #innerReader: FrameReader | null = null;
  /** Units read from the client, waiting for their turn (the first is in flight when `#inFlight`). */
  readonly #units: Buffer[] = [];
  #unit: Buffer[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout;

  constructor(socket: Socket, options: PgFrontInternal, onGone: () => void) {
    this.#socket = socket;
    this.#o = options;
    this.#onGone = onGone;
    this.#timer = setTimeout(() => this.#refuse('08006', 'authentication timed out'), options.authTimeoutMs);
    this.#timer.unref();
    socket.on('data', (chunk) => this.#read(chunk));
    socket.on('close', () => this.destroy());
  }

  destroy(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#socket.destroy();
    this.#inner?.destroy();
    this.#o.gate.leave(this);
    this.#onGone();
  }

  #read(chunk: Buffer): void {
    try {
      this.#reader.push(chunk);
      for (let m = this.#reader.next(); m !== null && this.#state !== 'closed'; m = this.#reader.next()) this.#message(m);
    } catch {
      this.#refuse('08P01', 'invalid message framing');
    }
  }

  #message(m: WireMessage): void {
    if (this.#state === 'startup') return this.#onStartup(m);
    if (this.#state === 'auth') return this.#onPassword(m);
    if (m.type === TYPE_TERMINATE) return this.destroy();
    this.#pendingBytes += m.bytes.length;
    if (this.#pendingBytes > this.#o.maxPendingBytes) return this.#refuse('54000', 'too much sent without waiting for answers');
    this.#unit.push(Buffer.from(m.bytes));
    if (m.type === TYPE_QUERY || m.type === TYPE_SYNC) {
      const unit = Buffer.concat(this.#unit);
      this.#unit = [];
      this.#queue(unit);
    }
  }

  #onStartup(m: WireMessage): void {
    const { code, params } = parseStartup(m.bytes);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.#socket.write('N');
      return;
    }
    if (code === CANCEL_REQUEST) return this.destroy();
    if (code !== PROTOCOL_V3) return this.#refuse('08P01', 'unsupported protocol version');
    this.#startup = Buffer.from(m.bytes);
    this.#user = params.get('user') ?? '';
    this.#state = 'auth';
    this.#reader.typed = true;
    this.#socket.write(md5Request(this.#salt));
  }

  #onPassword(m: WireMessage): void {
    if (this.#user !== this.#o.user || !checkPassword(m, md5Answer(this.#o.user, this.#o.password, this.#salt))) {
      return this.#refuse('28P01', `password authentication failed for user "${this.#user.slice(0, 64)}"`);
    }
    clearTimeout(this.#timer);
    this.#state = 'open';
    this.#reader.typed = true;
    // Authenticated: a message is bounded by what may wait unanswered, not by the startup bound
    // (a 10,000-byte limit refused every INSERT or Bind larger than that: "invalid message framing").
    this.#reader.limit = this.#o.maxPendingBytes;
    // The inner startup is the first unit: it runs on the shared backend too.
    this.#queue(this.#startup as Buffer);
    this.#startup = null;
    void this.#openInner();
  }

  async #openInner(): Promise<void> {
    let path: string;
    try {
      path = await this.#o.inner;
    } catch {
      return this.#refuse('57P03', 'the embedded PostgreSQL could not start');
    }
    if (this.#state === 'closed') return;
    const inner = connect(path);
    this.#inner = inner;
    this.#innerReader = new FrameReader(true, 1 << 30);
    inner.on('error', () => {});
    inner.on('close', () => this.destroy());
    inner.on('data', (chunk) => this.#fromInner(chunk));
    inner.once('connect', () => this.#flushQueue());
  }

  #queue(unit: Buffer): void {
    this.#units.push(unit);
    if (this.#inner !== null && !this.#inner.connecting) this.#o.gate.request(this, () => this.#send());
  }

  /** Once the inner connection is up: every unit queued before it asks the gate for its turn. */
  #flushQueue(): void {
    for (let i = 0; i < this.#units.length; i++) this.#o.gate.request(this, () => this.#send());
  }

  #send(): void {
    const unit = this.#units.shift();
    if (unit === undefined || this.#inner === null) return this.#o.gate.done(this, 'I');
    this.#pendingBytes -= unit.length;
    this.#inner.write(unit);
  }

  #fromInner(chunk: Buffer): void {
    const reader = this.#innerReader as FrameReader;
    this.#socket.write(chunk);
    try {
      reader.push(chunk);
      for (let m = reader.next(); m !== null; m = reader.next()) {
        if (m.type === TYPE_READY) this.#o.gate.done(this, String.fromCharCode(m.bytes[5]) as TxStatus);
      }
    } catch {
      this.destroy();
    }
  }

  #refuse(code: string, message: string): void {
    if (this.#state === 'closed') return;
    refuse(this.#socket, fatal(code, message));
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#inner?.destroy();
    this.#o.gate.leave(this);
    this.#onGone();
  }
}

/** Writes the error, then closes for good (a client that keeps its half open would hold the socket). */
function refuse(socket: Socket, error: Buffer): void {
  socket.end(error, () => socket.destroy());
}

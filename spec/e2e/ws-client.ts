import WebSocket from 'ws';
import { ServerFrame, type ServerFrameOf, type ServerFrameType } from '../../clients/index.js';
import { tokenFor, type TokenOptions } from './tokens.js';

/** How long a test waits for an expected frame before failing. Generous: CI machines are shared. */
export const FRAME_TIMEOUT_MS = 5_000;

interface Waiter {
  match(frame: ServerFrame): boolean;
  resolve(frame: ServerFrame): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A test client over the `ws` package. Every incoming frame is validated against the protocol's
 * server schema (a frame the gateway should never send fails the test) and kept in an inbox, so
 * `next` finds frames that arrived before it was called: no sleeps, no races with the socket.
 */
export class TestClient {
  readonly player: string;
  readonly socket: WebSocket;
  /** Frames received and not yet taken by `next`, oldest first. */
  readonly inbox: ServerFrame[] = [];
  /** Every frame received, for assertions on what did not arrive. */
  readonly seen: ServerFrame[] = [];
  readonly #waiters = new Set<Waiter>();
  #closed: Promise<{ code: number; reason: string }>;
  #failure: Error | null = null;

  private constructor(player: string, socket: WebSocket) {
    this.player = player;
    this.socket = socket;
    socket.on('message', (data, isBinary) => this.#receive(data as Buffer, isBinary));
    this.#closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.#closed.then(() => this.#failAll(new Error(`${player}: socket closed while waiting for a frame`)));
  }

  /** Connects with a fresh access token for `player` (signed with the test key) and waits for `welcome`. */
  static async connect(url: string, player: string, options?: TokenOptions): Promise<TestClient> {
    return TestClient.connectWith(url, player, await tokenFor(player, options));
  }

  /** Connects with the given access token (in the Authorization header; '' for none) and waits for `welcome`. */
  static async connectWith(url: string, player: string, token: string): Promise<TestClient> {
    const socket = new WebSocket(url, token === '' ? {} : { headers: { authorization: `Bearer ${token}` } });
    const client = new TestClient(player, socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await client.next('welcome');
    return client;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get closed(): Promise<{ code: number; reason: string }> {
    return this.#closed;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, options?: { binary?: boolean }): void {
    this.socket.send(data, { binary: options?.binary ?? typeof data !== 'string' });
  }

  /** The next frame of `type` (and matching `where`), taken out of the inbox; earlier frames of other kinds stay. */
  next<T extends ServerFrameType>(type: T, where: (frame: ServerFrameOf<T>) => boolean = () => true, timeoutMs = FRAME_TIMEOUT_MS): Promise<ServerFrameOf<T>> {
    const match = (f: ServerFrame): boolean => f.type === type && where(f as ServerFrameOf<T>);
    const index = this.inbox.findIndex(match);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0] as ServerFrameOf<T>);
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (f) => resolve(f as ServerFrameOf<T>),
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const recent = this.inbox.map((f) => f.type).join(', ') || 'nothing';
          reject(new Error(`${this.player}: no "${type}" frame within ${timeoutMs} ms (inbox: ${recent})`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Joins and returns the `joined` frame. */
  async join(room: string): Promise<ServerFrameOf<'joined'>> {
    const ref = `join-${room}-${Math.random().toString(36).slice(2)}`;
    this.send({ type: 'join', room, ref });
    return this.next('joined', (f) => f.ref === ref);
  }

  /** The `seq` of the last line seen per room (joined, resumed, resync, said), as a resuming client keeps it. */
  lastSeqs(): Record<string, number> {
    const seqs: Record<string, number> = {};
    for (const f of this.seen) {
      if (f.type === 'joined' || f.type === 'resumed' || f.type === 'resync') seqs[f.room] = f.seq;
      else if (f.type === 'said') seqs[f.room] = Math.max(seqs[f.room] ?? 0, f.line.seq);
    }
    return seqs;
  }

  /** The newest resume token received (and the rooms it covers). */
  lastResumeToken(): ServerFrameOf<'resume-token'> | undefined {
    return this.seen.findLast((f): f is ServerFrameOf<'resume-token'> => f.type === 'resume-token');
  }

  /** Drops the TCP connection without a closing handshake, as a lost network does. */
  async drop(): Promise<void> {
    this.socket.terminate();
    await this.#closed;
  }

  /** Sends a frame expected to be refused and returns the `error` answering it (matched by ref). */
  async expectError(frame: Record<string, unknown> | string, ref: string): Promise<ServerFrameOf<'error'>> {
    this.send(frame);
    return this.next('error', (f) => f.ref === ref);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.#closed;
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.#failAll(new Error(`${this.player}: the gateway sent a binary frame`));
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      return this.#failAll(new Error(`${this.player}: the gateway sent a frame that is not JSON`));
    }
    const parsed = ServerFrame.safeParse(json);
    if (!parsed.success) return this.#failAll(new Error(`${this.player}: frame outside the protocol: ${data.toString('utf8')} (${parsed.error.message})`));
    const frame = parsed.data;
    this.seen.push(frame);
    for (const waiter of this.#waiters) {
      if (!waiter.match(frame)) continue;
      this.#waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
      return;
    }
    this.inbox.push(frame);
  }

  #failAll(err: Error): void {
    this.#failure ??= err;
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.#waiters.clear();
  }
}

/** Room ids whose actors land on two different worker threads of the node. */
export function idsOnDifferentThreads(threadOf: (id: string) => number, prefix: string): [string, string] {
  const first = `${prefix}-0`;
  for (let i = 1; i < 1_000; i++) {
    const candidate = `${prefix}-${i}`;
    if (threadOf(candidate) !== threadOf(first)) return [first, candidate];
  }
  throw new Error('placement put 1000 ids on one thread: is the node running a single worker?');
}

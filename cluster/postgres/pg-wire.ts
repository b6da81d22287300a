// The few pieces of the PostgreSQL wire protocol (v3) the embedded server's front speaks itself:
// message framing, the startup packet, MD5 authentication and ErrorResponse. Everything else passes
// through untouched to pglite-socket.
import { createHash, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_V3 = 196_608;
export const SSL_REQUEST = 80_877_103;
export const GSSENC_REQUEST = 80_877_104;
export const CANCEL_REQUEST = 80_877_102;

/** A startup packet or a typed message may not exceed this (a hostile client cannot make us buffer more). */
export const MAX_STARTUP_BYTES = 10_000;

/** One complete message: its type byte (0 for the untyped startup family) and its whole bytes. */
export interface WireMessage {
  type: number;
  bytes: Buffer;
}

/**
 * Splits a byte stream into messages. Before startup, messages are untyped (int32 length first);
 * after it, each starts with a type byte. `limit` bounds one message and what waits buffered.
 */
export class FrameReader {
  #buffer: Buffer = Buffer.alloc(0);
  typed: boolean;
  /** Raised once a client is authenticated (a query or a bind may be far larger than a startup packet). */
  limit: number;

  constructor(typed: boolean, limit: number) {
    this.typed = typed;
    this.limit = limit;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  /** Appends bytes; throws RangeError when a message claims a length outside the bound. */
  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.#buffer.length > this.limit) throw new RangeError(`more than ${this.limit} bytes buffered`);
  }

  /** The next complete message, or null until more bytes come. */
  next(): WireMessage | null {
    const b = this.#buffer;
    const head = this.typed ? 5 : 4;
    if (b.length < head) return null;
    const length = b.readInt32BE(this.typed ? 1 : 0);
    if (length < 4 || length > this.limit) throw new RangeError(`a message of ${length} bytes`);
    const total = length + (this.typed ? 1 : 0);
    if (b.length < total) return null;
    const bytes = b.subarray(0, total);
    this.#buffer = b.subarray(total);
    return { type: this.typed ? bytes[0] : 0, bytes };
  }

  /** What is buffered and not yet a message (handed on when the front stops reading). */
  rest(): Buffer {
    const r = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return r;
  }
}

/** The startup packet's code (protocol version, or one of the requests), and its parameters. */
export function parseStartup(bytes: Buffer): { code: number; params: Map<string, string> } {
  const code = bytes.length >= 8 ? bytes.readInt32BE(4) : -1;
  const params = new Map<string, string>();
  if (code !== PROTOCOL_V3) return { code, params };
  const parts = bytes.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i] === '') break;
    params.set(parts[i], parts[i + 1]);
  }
  return { code, params };
}

/** AuthenticationMD5Password with this salt. */
export function md5Request(salt: Buffer): Buffer {
  const b = Buffer.alloc(13);
  b.write('R', 0);
  b.writeInt32BE(12, 1);
  b.writeInt32BE(5, 5);
  salt.copy(b, 9, 0, 4);
  return b;
}

/** What a client sends for `password` as `user` under `salt` (libpq's and pg's md5 scheme). */
export function md5Answer(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex');
  return `md5${createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex')}`;
}

/** Whether a PasswordMessage carries the right answer (constant-time). */
export function checkPassword(message: WireMessage, expected: string): boolean {
  if (message.type !== 0x70 /* p */) return false;
  const given = message.bytes.subarray(5).toString('utf8').replace(/\0$/, '');
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A FATAL ErrorResponse with SQLSTATE `code` (what a client shows, then the front closes). */
export function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const b = Buffer.alloc(5 + fields.length);
  b.write('E', 0);
  b.writeInt32BE(4 + fields.length, 1);
  fields.copy(b, 5);
  return b;
}

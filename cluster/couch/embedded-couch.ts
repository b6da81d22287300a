import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, GlassError, InvalidOptionError, MAX_TIMER_MS, integerOption } from '../../runtime/index.js';
import type { EmbeddedCouchCommand, EmbeddedCouchConfig, EmbeddedCouchReport } from './embedded-couch-server.js';

export interface EmbeddedCouchOptions {
  /** Where the leveldb files live; created if missing. Relative paths are from the working directory. */
  dataDir: string;
  /** 0 (default) for any free port. */
  port?: number;
  /** Default 127.0.0.1: the server has no authentication, keep it on loopback. */
  host?: string;
  /** Revisions each document keeps (older ones and their bodies are dropped). Default 3. */
  revsLimit?: number;
  /** How often every database is compacted (0: never). Default 300,000 ms (5 min); writes also compact as they go. */
  compactIntervalMs?: number;
  /** How long the child may take to listen. Default 15 s. */
  startTimeoutMs?: number;
  /**
   * When set, every request must carry it (HTTP basic auth, user `glass`): the child refuses
   * anything else with 401. It reaches the child through its environment, never its arguments;
   * `url` then carries it and `safeUrl` does not. See embeddedCouchSecret().
   */
  secret?: string;
}

/** Exit of the child: its code, or the signal that ended it. */
export interface EmbeddedCouchExit {
  code: number | null;
  signal: string | null;
}

export interface EmbeddedCouch {
  /**
   * Base URL of the server, e.g. http://127.0.0.1:5984 (no database). With a secret it carries the
   * credentials (http://glass:SECRET@127.0.0.1:5984): give it to the store, never to a log.
   */
  readonly url: string;
  /** The URL without credentials: what logs and errors may show. */
  readonly safeUrl: string;
  readonly port: number;
  /** Of the child process serving it. */
  readonly pid: number;
  /** Settles when the child exits, for whatever reason (close(), a crash, a signal). */
  readonly exited: Promise<EmbeddedCouchExit>;
  /** Ends the child at once (SIGKILL): for a child that stopped answering. */
  kill(): void;
  /** Stops the server process and waits for it to exit. Idempotent. */
  close(): Promise<void>;
}

/** The user name of the embedded server's basic auth; the password is the per-start secret. */
export const EMBEDDED_COUCH_USER = 'glass';
/** The child's environment variable that carries the secret (never argv: /proc/<pid>/cmdline is world-readable). */
export const EMBEDDED_COUCH_SECRET_ENV = 'GLASS_EMBEDDED_COUCH_SECRET';

/** A fresh secret for one start of a node: 32 random bytes, base64url (no character a URL must escape). */
export function embeddedCouchSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The embedded server could not start; `details.reason` names why (EADDRINUSE, DATA_DIR_LOCKED, TIMEOUT…). */
export class EmbeddedCouchError extends GlassError {
  constructor(message: string, details: Record<string, unknown>, options?: { cause?: unknown }) {
    super(ErrorCodes.STORE_FAILED, `embedded CouchDB server: ${message}`, details, options);
    this.name = 'EmbeddedCouchError';
  }
}

/** Revisions a document of the embedded server keeps. */
export const DEFAULT_REVS_LIMIT = 3;
/** How often the embedded server compacts every database. */
export const DEFAULT_COMPACT_INTERVAL_MS = 300_000;

const SERVER_ENTRY = fileURLToPath(new URL('./embedded-couch-server.js', import.meta.url));
/** Most stderr kept from the child, to explain a failed start. */
const STDERR_TAIL = 4_096;

/**
 * Starts a CouchDB-protocol server (express-pouchdb over pouchdb-node on leveldb) in a child
 * process. The child exits when close() is called or when this process goes away.
 */
export async function startEmbeddedCouch(options: EmbeddedCouchOptions): Promise<EmbeddedCouch> {
  const config = validate(options);
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new InvalidOptionError('startTimeoutMs', 'a positive integer', timeoutMs);
  // detached: a new process group, so a terminal's Ctrl-C reaches only the node, which then saves
  // its actors through this server before closing it. The IPC channel still ties the child to us.
  const secret = options.secret;
  if (secret !== undefined && (typeof secret !== 'string' || !/^[A-Za-z0-9_-]{16,}$/.test(secret))) throw new InvalidOptionError('secret', 'at least 16 characters of A-Z a-z 0-9 _ -', '(hidden)');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[EMBEDDED_COUCH_SECRET_ENV];
  if (secret !== undefined) env[EMBEDDED_COUCH_SECRET_ENV] = secret;
  const child = fork(SERVER_ENTRY, [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true, serialization: 'json', env });
  // Only a bounded tail of stderr is kept (to explain a failed start); reading it all the time also
  // keeps the child from blocking on a full pipe.
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL)));
  const exited = new Promise<EmbeddedCouchExit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  let port: number;
  try {
    port = await waitListening(child, config, timeoutMs, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  const where = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const url = secret === undefined ? `http://${where}` : `http://${EMBEDDED_COUCH_USER}:${secret}@${where}`;
  return new EmbeddedCouchHandle(child, exited, url, `http://${where}`, port);
}

function validate(options: EmbeddedCouchOptions): EmbeddedCouchConfig {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('', 'an object', options);
  if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') throw new InvalidOptionError('dataDir', 'a non-empty path', options.dataDir);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidOptionError('port', 'an integer from 0 to 65535', port);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new InvalidOptionError('host', 'a host name or address', host);
  const revsLimit = integerOption('revsLimit', options.revsLimit ?? DEFAULT_REVS_LIMIT, 1, 1_000);
  const compactIntervalMs = integerOption('compactIntervalMs', options.compactIntervalMs ?? DEFAULT_COMPACT_INTERVAL_MS, 0, MAX_TIMER_MS);
  return { dataDir: resolve(options.dataDir), port, host, revsLimit, compactIntervalMs };
}

function waitListening(child: ChildProcess, config: EmbeddedCouchConfig, timeoutMs: number, stderr: () => string): Promise<number> {
  const where = { dataDir: config.dataDir, host: config.host, port: config.port };
  return new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => settle(new EmbeddedCouchError(`did not listen within ${timeoutMs} ms`, { ...where, reason: 'TIMEOUT' })), timeoutMs);
    const onMessage = (msg: EmbeddedCouchReport): void => {
      if (msg.type === 'listening') settle(msg.port);
      else settle(new EmbeddedCouchError(`failed to start: ${msg.code} ${msg.message}`, { ...where, reason: msg.code }));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      settle(new EmbeddedCouchError(`exited during start (${signal ?? `code ${code}`})${tail(stderr())}`, { ...where, reason: 'EXITED' }));
    const onError = (err: Error): void => settle(new EmbeddedCouchError(`could not be spawned: ${err.message}`, { ...where, reason: 'SPAWN' }, { cause: err }));
    function settle(result: number | EmbeddedCouchError): void {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit).off('error', onError);
      if (typeof result === 'number') resolvePort(result);
      else reject(result);
    }
    child.on('message', onMessage).once('exit', onExit).once('error', onError);
  });
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' ? '' : `: ${trimmed.split('\n').slice(-5).join(' | ')}`;
}

class EmbeddedCouchHandle implements EmbeddedCouch {
  readonly url: string;
  readonly safeUrl: string;
  readonly port: number;
  readonly pid: number;
  readonly exited: Promise<EmbeddedCouchExit>;
  readonly #child: ChildProcess;
  #closing: Promise<void> | null = null;

  constructor(child: ChildProcess, exited: Promise<EmbeddedCouchExit>, url: string, safeUrl: string, port: number) {
    this.#child = child;
    this.exited = exited;
    this.url = url;
    this.safeUrl = safeUrl;
    this.port = port;
    this.pid = child.pid ?? 0;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const command: EmbeddedCouchCommand = { type: 'close' };
      if (this.#child.connected) this.#child.send(command);
      else this.#child.kill('SIGKILL');
      // The child exits by itself after closing its sockets; a hung one is killed.
      const killer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

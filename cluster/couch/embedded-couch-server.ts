// Child-process entry of the embedded CouchDB-protocol server (forked by embedded-couch.ts): a
// PouchDB on leveldb in `dataDir`, served over HTTP by express-pouchdb. It runs in its own process
// so that the node's main thread never spends time serving CouchDB requests.
import { timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import expressPouchDB from 'express-pouchdb';
import PouchDB, { type PouchDBConstructor } from 'pouchdb-node';

/** Passed as the first argument, JSON-encoded. */
export interface EmbeddedCouchConfig {
  dataDir: string;
  port: number;
  host: string;
  /** Revisions a document's tree keeps (pouchdb's revs_limit); older ones are forgotten with their bodies. */
  revsLimit: number;
  /** How often every database is compacted (0: never; writes compact as they go anyway). */
  compactIntervalMs: number;
}

/** Child → parent, over the IPC channel. */
export type EmbeddedCouchReport = { type: 'listening'; port: number } | { type: 'failed'; code: string; message: string };

/** Parent → child. */
export interface EmbeddedCouchCommand {
  type: 'close';
}

/** pouchdb-all-dbs' registry of databases, the first one express-pouchdb opens. */
const ALL_DBS = 'pouch__all_dbs__';

function report(message: EmbeddedCouchReport): void {
  process.send?.(message);
}

function fail(err: unknown): never {
  const e = err as NodeJS.ErrnoException;
  report({ type: 'failed', code: typeof e?.code === 'string' ? e.code : 'ERROR', message: e instanceof Error ? e.message : String(err) });
  process.exit(1);
}

/** The child's copy of embedded-couch.ts's names (the child imports nothing from its parent's module). */
const SECRET_ENV = 'GLASS_EMBEDDED_COUCH_SECRET';
const USER = 'glass';

/** The expected Authorization header, or null when the server was started without a secret. */
function expectedAuthorization(): Buffer | null {
  const secret = process.env[SECRET_ENV];
  // Out of the environment at once: nothing this process runs later inherits or prints it.
  delete process.env[SECRET_ENV];
  return secret === undefined || secret === '' ? null : Buffer.from(`Basic ${Buffer.from(`${USER}:${secret}`).toString('base64')}`);
}

function authorized(expected: Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Owner only: the directory 0700, every file in it 0600, whatever an earlier run or the umask left. */
function restrict(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) restrict(path);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}

async function start(config: EmbeddedCouchConfig): Promise<Server> {
  // Everything this process creates (leveldb files, logs) is its owner's only.
  process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  restrict(config.dataDir);
  const expected = expectedAuthorization();
  // The prefix puts every database (and pouchdb-all-dbs' own) under dataDir; the config and log
  // paths too, should a mode that writes them ever be used: nothing lands in the working directory.
  // Storage stays bounded and a redaction is real: a document keeps `revsLimit` revisions in its
  // tree, and auto_compaction drops the body of the revision a write replaces in the same
  // transaction, so no earlier revision of a state can be read back (GET ?rev=, open_revs).
  const Pouch = PouchDB.defaults({ prefix: config.dataDir.replace(/\/?$/, '/'), revs_limit: config.revsLimit, auto_compaction: true });
  // leveldb locks a database when it is opened, and express-pouchdb opens them lazily: a second
  // server on the same dataDir would start and then fail every request. Opening the registry of
  // databases now takes the lock (kept for the life of this process) or fails the start.
  try {
    await new Pouch(ALL_DBS).info();
  } catch (err) {
    throw Object.assign(new Error(`${config.dataDir} is in use by another process (${(err as Error).message})`), { code: 'DATA_DIR_LOCKED' });
  }
  const app = expressPouchDB(Pouch, {
    mode: 'minimumForPouchDB',
    // Gzip on loopback only costs CPU on both ends: a 1 MB state loads in ~37 ms without, ~70 ms with.
    overrideMode: { exclude: ['compression'] },
    configPath: join(config.dataDir, 'config.json'),
    logPath: join(config.dataDir, 'log.txt'),
  });
  // The check runs before express-pouchdb sees the request: nothing is read or written without the secret.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (expected === null || authorized(expected, req.headers.authorization)) return app(req, res);
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="glass-embedded-couch"' });
    res.end('{"error":"unauthorized","reason":"this server answers its node only"}');
  });
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  // Periodic compaction also reaches what was written before auto_compaction (an older data
  // directory) and the view indexes; the first runs at start.
  if (config.compactIntervalMs > 0) {
    void compactAll(Pouch);
    setInterval(() => void compactAll(Pouch), config.compactIntervalMs).unref();
  }
  return server;
}

let compacting = false;

/** Compacts every database in turn; a failure is reported on stderr (names only) and the rest go on. */
async function compactAll(Pouch: PouchDBConstructor): Promise<void> {
  if (compacting) return;
  compacting = true;
  try {
    for (const name of await Pouch.allDbs()) {
      try {
        await new Pouch(name).compact();
      } catch (err) {
        process.stderr.write(`embedded-couch-server: compaction of ${name} failed: ${(err as Error).message}\n`);
      }
    }
  } catch (err) {
    process.stderr.write(`embedded-couch-server: compaction skipped: ${(err as Error).message}\n`);
  } finally {
    compacting = false;
  }
}

let server: Server | undefined;
let stopping = false;

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (server === undefined) process.exit(0);
  // Cut keep-alive sockets too, or close() would wait for the client's idle connections to end.
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
}

if (process.send === undefined) {
  process.stderr.write('embedded-couch-server: must be started by startEmbeddedCouch (child_process.fork)\n');
  process.exit(2);
}
process.on('message', (msg: EmbeddedCouchCommand) => {
  if (msg?.type === 'close') stop();
});
// The parent owns this process: when it goes away (even killed), the IPC channel closes.
process.on('disconnect', stop);
// A terminal's Ctrl-C signals the whole process group; the node must be able to save its actors'
// state here while it drains, so the parent alone decides when this server stops.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('uncaughtException', fail);

try {
  server = await start(JSON.parse(process.argv[2] ?? '') as EmbeddedCouchConfig);
  const address = server.address();
  report({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
} catch (err) {
  fail(err);
}

// glass backup now|list and glass restore --at TIME: state checkpoints (docs/BACKUP.md) in the
// `glass-checkpoints` bucket of the ObjectStore configuration (GLASS_S3_URL…, else the filesystem
// beside GLASS_OBJECTS_DIR). `now` and `restore` need the CouchDB: COUCHDB_URL (or --couch URL); the
// embedded server of a running node asks for a secret per start, so its node takes the hourly ones.
// Exit 0 ok, 1 failed (GLASS_ERR_CHECKPOINT_*, GLASS_ERR_RESTORE_NOT_EMPTY), 2 usage.
import { CHECKPOINT_BUCKET, Checkpoints, DEFAULT_COUCH_DB, createObjectStore, objectStoreConfigForBucket, objectStoreConfigFromEnv, redactCredentials } from '../../cluster/index.js';
import { UsageError, parseCommandArgs } from '../cli-args.js';

const BACKUP_USAGE = 'usage: glass backup now|list [--couch URL] [--db NAME] [--json]';
const RESTORE_USAGE = 'usage: glass restore --at TIME (ISO 8601 or epoch ms) [--couch URL] [--db NAME] [--from-db NAME]';
const DB_NAME = /^[a-z][a-z0-9_$()+/-]{0,237}$/;

function couchUrl(flag: string | undefined, env: NodeJS.ProcessEnv, what: string): string {
  const url = flag ?? env.COUCHDB_URL;
  if (url === undefined || url === '') throw new UsageError(`${what} needs the CouchDB: COUCHDB_URL or --couch URL`);
  if (!/^https?:\/\//.test(url)) throw new UsageError('--couch must be an http(s) URL');
  return url;
}

function dbName(flag: string | undefined, name: string): string {
  const db = flag ?? DEFAULT_COUCH_DB;
  if (!DB_NAME.test(db)) throw new UsageError(`${name} is not a CouchDB database name`);
  return db;
}

/** A time as given: ISO 8601, or epoch milliseconds. */
export function parseTime(text: string | undefined): number {
  if (text === undefined) throw new UsageError(RESTORE_USAGE);
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new UsageError(`--at is not a time (received ${JSON.stringify(text.slice(0, 64))})`);
  return ms;
}

function checkpointsOf(env: NodeJS.ProcessEnv, url: string, db: string): { checkpoints: Checkpoints; close: () => Promise<void> } {
  const store = createObjectStore(objectStoreConfigForBucket(objectStoreConfigFromEnv(env), CHECKPOINT_BUCKET));
  return { checkpoints: new Checkpoints({ couchUrl: url, db, store }), close: () => store.close() };
}

export async function backupCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { couch: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } }, true);
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== 'now' && action !== 'list')) throw new UsageError(BACKUP_USAGE);
  const db = dbName(values.db, '--db');
  // `list` reads the store only; the URL is not used then.
  const url = action === 'now' ? couchUrl(values.couch, env, 'glass backup now') : (values.couch ?? env.COUCHDB_URL ?? 'http://127.0.0.1:5984');
  const { checkpoints, close } = checkpointsOf(env, url, db);
  try {
    if (action === 'now') {
      const m = await checkpoints.now();
      process.stdout.write(m === null ? `nothing changed since the last checkpoint of ${redactCredentials(url)}/${db}\n` : values.json === true ? `${JSON.stringify(m)}\n` : `checkpoint ${m.n}: ${m.docs} documents in ${m.chunks.length} chunks, at ${new Date(m.at).toISOString()}\n`);
      return 0;
    }
    const all = await checkpoints.list();
    if (values.json === true) process.stdout.write(`${JSON.stringify(all)}\n`);
    else for (const c of all) process.stdout.write(`${c.n}\t${new Date(c.at).toISOString()}\t${c.docs} documents\t${c.chunks} chunks\n`);
    return 0;
  } finally {
    await close();
  }
}

export async function restoreCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { at: { type: 'string' }, couch: { type: 'string' }, db: { type: 'string' }, 'from-db': { type: 'string' } }, true);
  if (positionals.length !== 0) throw new UsageError(RESTORE_USAGE);
  const at = parseTime(values.at);
  const url = couchUrl(values.couch, env, 'glass restore');
  const target = dbName(values.db, '--db');
  const source = dbName(values['from-db'] ?? values.db, '--from-db');
  const { checkpoints, close } = checkpointsOf(env, url, source);
  try {
    const { checkpoint, docs } = await checkpoints.restore(at, { couchUrl: url, db: target });
    process.stdout.write(`restored checkpoint ${checkpoint} of ${source}: ${docs} documents into ${redactCredentials(url)}/${target}\n`);
    return 0;
  } finally {
    await close();
  }
}

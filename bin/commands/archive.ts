// glass archive: what a room or session has in the archive (the node's ObjectStore: GLASS_S3_URL…, or
// the filesystem under GLASS_OBJECTS_DIR, default .data/objects). `list` names its chunks, `read`
// prints its archived entries, newest page first unless --before says where to go on. Read straight
// from the store: chunks a node wrote but had not yet dropped from its hot state (a crash between
// the two) show here too, marked by nothing; the `history` frame draws that boundary exactly.
// Exit 0 ok, 1 the store failed or a chunk is corrupt (GLASS_ERR_ARCHIVE_*), 2 usage.
import { IdSchema } from '../../clients/index.js';
import { MAX_HISTORY_PAGE, archivedPage, listChunks, type ArchiveItem, type ArchiveKind } from '../../actors/index.js';
import { createObjectStore, objectStoreConfigFromEnv } from '../../cluster/index.js';
import { UsageError, integerArg, parseCommandArgs } from '../cli-args.js';

const USAGE_LINE = 'usage: glass archive list|read --room ID | --session ID [--before SEQ] [--limit N] [--json]';

interface ArchiveArgs {
  action: 'list' | 'read';
  kind: ArchiveKind;
  id: string;
  before: number;
  limit: number;
  json: boolean;
}

export function parseArchive(args: string[]): ArchiveArgs {
  const { values, positionals } = parseCommandArgs(
    args,
    { room: { type: 'string' }, session: { type: 'string' }, before: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== 'list' && action !== 'read')) throw new UsageError(USAGE_LINE);
  if ((values.room === undefined) === (values.session === undefined)) throw new UsageError('give exactly one of --room and --session');
  const id = (values.room ?? values.session)!;
  if (!IdSchema.safeParse(id).success) throw new UsageError(`${values.room !== undefined ? '--room' : '--session'} is not a room or session id (received ${JSON.stringify(id.slice(0, 130))})`);
  return {
    action,
    kind: values.room !== undefined ? 'room' : 'session',
    id,
    before: integerArg('--before', values.before, 1, Number.MAX_SAFE_INTEGER) ?? Number.MAX_SAFE_INTEGER,
    limit: integerArg('--limit', values.limit, 1, MAX_HISTORY_PAGE) ?? 50,
    json: values.json === true,
  };
}

function line(kind: ArchiveKind, item: ArchiveItem & Record<string, unknown>): string {
  const at = typeof item.at === 'number' ? new Date(item.at).toISOString() : '?';
  const who = kind === 'room' ? String(item.from) : `turn ${String(item.turn)} ${String(item.player)}`;
  const text = item.redacted === true ? '[redacted]' : JSON.stringify(item.text);
  return `${item.seq ?? 0}\t${at}\t${who}\t${text}`;
}

export async function archiveCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const a = parseArchive(args);
  const store = createObjectStore(objectStoreConfigFromEnv(env));
  const out = process.stdout;
  try {
    if (a.action === 'list') {
      const chunks = await listChunks(store, a.kind, a.id);
      if (a.json) out.write(JSON.stringify({ [a.kind]: a.id, chunks }) + '\n');
      else {
        for (const c of chunks) out.write(`${c.first}-${c.last}\t${c.key}\n`);
        out.write(`${chunks.length} chunk(s)\n`);
      }
      return 0;
    }
    const page = await archivedPage<ArchiveItem & Record<string, unknown>>(store, a.kind, a.id, a.before, a.limit, Number.MAX_SAFE_INTEGER);
    if (a.json) out.write(JSON.stringify({ [a.kind]: a.id, items: page.items, next: page.next }) + '\n');
    else {
      for (const item of page.items) out.write(line(a.kind, item) + '\n');
      out.write(page.next === null ? 'end of the archive\n' : `older: glass archive read --${a.kind} ${a.id} --before ${page.next}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

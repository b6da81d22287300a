// glass lore import DIR [--world W]: authored lore (Markdown, JSON) into the actor store as
// `lore:<world>:<slug>` documents; the node's indexer picks them up from CouchDB's _changes.
import { resolve } from 'node:path';
import { DEFAULT_COUCH_DB, createCouchStateStore, readLoreDir, startEmbeddedCouch } from '../../cluster/index.js';
import { parseCommandArgs, UsageError } from '../cli-args.js';

export async function loreCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { world: { type: 'string' } }, true);
  if (positionals[0] !== 'import' || positionals.length !== 2) throw new UsageError('usage: glass lore import DIR [--world NAME]');
  const dir = resolve(positionals[1]);
  const world = values.world ?? 'sample';
  const { entries, problems } = await readLoreDir(dir, world);
  for (const p of problems) process.stderr.write(`glass lore: ${p.source}: ${p.message} (skipped)\n`);
  // The deployment's CouchDB, else the embedded one on GLASS_DATA_DIR (the node must not hold it: its files are locked while it runs).
  const outside = env.COUCHDB_URL || '';
  const embedded = outside === '' ? await startEmbeddedCouch({ dataDir: resolve(env.GLASS_DATA_DIR || '.data/couch') }) : null;
  const store = createCouchStateStore({ url: embedded?.url ?? outside, db: DEFAULT_COUCH_DB });
  let written = 0;
  let unchanged = 0;
  try {
    for (const entry of entries) {
      const key = `${entry.world}:${entry.slug}`;
      const current = await store.load('lore', key);
      if (current !== undefined && JSON.stringify(current.state) === JSON.stringify(entry.state)) {
        unchanged++;
        continue;
      }
      await store.save('lore', key, entry.state, current?.version ?? null, current?.epoch ?? 1);
      written++;
    }
  } finally {
    await store.close();
    await embedded?.close();
  }
  process.stdout.write(`lore: ${written} written, ${unchanged} unchanged, ${problems.length} skipped (${entries.length + problems.length} read from ${dir})\n`);
  return problems.length === 0 ? 0 : 1;
}

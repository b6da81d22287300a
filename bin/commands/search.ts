// glass search QUERY [--kind lore|transcript] [--world W] [--session ID] [--limit N] [--json]: asks
// the index the node writes (MEILI_URL, else GLASS_PG_URL) directly, as a moderator would.
import { MeiliSearchIndex, PgSearchIndex } from '../../cluster/index.js';
import type { SearchIndex, SearchKind } from '../../runtime/index.js';
import { integerArg, parseCommandArgs, UsageError } from '../cli-args.js';

export async function searchCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { kind: { type: 'string' }, world: { type: 'string' }, session: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (positionals.length === 0) throw new UsageError('usage: glass search QUERY [--kind lore|transcript] [--world W] [--session session:ID] [--limit N] [--json]');
  if (values.kind !== undefined && values.kind !== 'lore' && values.kind !== 'transcript') throw new UsageError('--kind is lore or transcript');
  const limit = integerArg('--limit', values.limit, 1, 50);
  let index: SearchIndex;
  if ((env.MEILI_URL ?? '') !== '') index = new MeiliSearchIndex({ url: env.MEILI_URL!, key: env.MEILI_KEY || undefined });
  else if ((env.GLASS_PG_URL || env.DATABASE_URL || '') !== '') index = new PgSearchIndex({ url: (env.GLASS_PG_URL || env.DATABASE_URL)!, schema: env.GLASS_PG_SCHEMA || 'public' });
  else {
    // PGlite is one process's database: the node that runs it is the only one that may open it.
    throw new UsageError('glass search needs MEILI_URL or GLASS_PG_URL: the embedded index belongs to the running node (search it through the gateway: the `search` frame, GlassClient.search)');
  }
  try {
    const hits = await index.search({ text: positionals.join(' '), ...(values.kind !== undefined && { kind: values.kind as SearchKind }), ...(values.world !== undefined && { world: values.world }), ...(values.session !== undefined && { session: values.session }), ...(limit !== undefined && { limit }) });
    if (values.json === true) process.stdout.write(JSON.stringify(hits) + '\n');
    else if (hits.length === 0) process.stdout.write('no match\n');
    else for (const h of hits) process.stdout.write(`${h.id}  ${h.title}\n    ${h.highlight.replace(/\s+/g, ' ').slice(0, 200)}\n`);
    return 0;
  } finally {
    await index.close();
  }
}

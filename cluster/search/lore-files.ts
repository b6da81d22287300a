// `glass lore import DIR`: authored lore from Markdown (optional front matter) and JSON files, as
// the state-store documents the indexer follows (`lore:<world>:<slug>`, state {title, body, tags,
// source}). Files are hostile input: sizes, counts and names are bounded, a bad file is reported
// and skipped, never half-written.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { SearchLimits } from '../../runtime/index.js';
import { loreId, type LoreState } from './search-documents.js';

export const LoreLimits = { maxFiles: 2_000, maxFileBytes: 256 * 1024, maxEntriesPerFile: 500 } as const;

export interface LoreEntry {
  /** `lore:<world>:<slug>`. */
  id: string;
  world: string;
  slug: string;
  state: LoreState;
}

export interface LoreProblem {
  source: string;
  message: string;
}

/** Reads every .md and .json file directly in `dir` (sorted). `world` is the default world (front matter or JSON may name another). */
export async function readLoreDir(dir: string, world: string): Promise<{ entries: LoreEntry[]; problems: LoreProblem[] }> {
  const names = (await readdir(dir)).filter((n) => /\.(md|markdown|json)$/i.test(n)).sort();
  if (names.length > LoreLimits.maxFiles) throw new Error(`${dir} holds ${names.length} lore files: at most ${LoreLimits.maxFiles}`);
  const entries: LoreEntry[] = [];
  const problems: LoreProblem[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (!info.isFile()) continue;
      if (info.size > LoreLimits.maxFileBytes) throw new Error(`larger than ${LoreLimits.maxFileBytes} bytes`);
      const text = await readFile(path, 'utf8');
      const found = /\.json$/i.test(name) ? jsonEntries(text, name, world) : [markdownEntry(text, name, world)];
      for (const entry of found) {
        if (seen.has(entry.id)) throw new Error(`${entry.id} is defined twice`);
        seen.add(entry.id);
        entries.push(entry);
      }
    } catch (err) {
      problems.push({ source: name, message: (err as Error).message });
    }
  }
  return { entries, problems };
}

/** `---\nkey: value\n---\nbody`; title defaults to the first `# heading`, else the file name. */
export function markdownEntry(text: string, source: string, world: string): LoreEntry {
  let body = text.replace(/^\uFEFF/, '');
  const meta: Record<string, string> = {};
  const front = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(body);
  if (front !== null) {
    for (const line of front[1].split(/\r?\n/)) {
      const m = /^([A-Za-z]+):\s*(.*)$/.exec(line.trim());
      if (m !== null) meta[m[1].toLowerCase()] = m[2].trim().replace(/^["']|["']$/g, '');
    }
    body = body.slice(front[0].length);
  }
  let title = meta.title;
  const heading = /^#\s+(.+)$/m.exec(body);
  if (title === undefined && heading !== null) {
    title = heading[1].trim();
    body = body.replace(heading[0], '');
  }
  const tags = (meta.tags ?? '').replace(/^\[|\]$/g, '').split(',').map((t) => t.trim().replace(/^["']|["']$/g, '')).filter(Boolean);
  return entry({ world: meta.world ?? world, slug: meta.slug ?? slugOf(source), title: title ?? basename(source, extname(source)), body: body.trim(), tags, source });
}

/** One entry (an object) or several (an array), each `{title, body, tags?, slug?, world?}`. */
export function jsonEntries(text: string, source: string, world: string): LoreEntry[] {
  const value = JSON.parse(text) as unknown;
  const list = Array.isArray(value) ? value : [value];
  if (list.length > LoreLimits.maxEntriesPerFile) throw new Error(`more than ${LoreLimits.maxEntriesPerFile} entries`);
  return list.map((item, i) => {
    if (item === null || typeof item !== 'object') throw new Error(`entry ${i} is not an object`);
    const o = item as Record<string, unknown>;
    const tags = o.tags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new Error(`entry ${i}: tags must be strings`);
    if (typeof o.title !== 'string' || typeof o.body !== 'string') throw new Error(`entry ${i}: title and body must be strings`);
    const slug = typeof o.slug === 'string' ? o.slug : list.length === 1 ? slugOf(source) : slugOf(o.title);
    return entry({ world: typeof o.world === 'string' ? o.world : world, slug, title: o.title, body: o.body, tags: tags as string[], source });
  });
}

function entry(e: { world: string; slug: string; title: string; body: string; tags: string[]; source: string }): LoreEntry {
  const id = loreId(e.world, e.slug);
  if (id === null) throw new Error(`world "${e.world}" and slug "${e.slug}" must be lower-case names (a-z, 0-9, -)`);
  if (e.title.length === 0 || e.title.length > SearchLimits.maxTitleLength) throw new Error(`the title must have 1 to ${SearchLimits.maxTitleLength} characters`);
  if (e.body.length > SearchLimits.maxBodyLength) throw new Error(`the body is longer than ${SearchLimits.maxBodyLength} characters`);
  if (e.tags.length > SearchLimits.maxTags || e.tags.some((t) => t.length > SearchLimits.maxTagLength)) throw new Error(`at most ${SearchLimits.maxTags} tags of ${SearchLimits.maxTagLength} characters`);
  return { id, world: e.world, slug: e.slug, state: { title: e.title, body: e.body, tags: e.tags, source: e.source } };
}

function slugOf(name: string): string {
  return basename(name, extname(name)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
}

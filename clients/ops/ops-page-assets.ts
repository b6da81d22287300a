import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files of the ops page (plain HTML, JS and CSS, no build step), by the name they are served under. */
export const OPS_PAGE_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'ops.js': 'text/javascript; charset=utf-8',
  'ops.css': 'text/css; charset=utf-8',
} as const;
export type OpsPageFile = keyof typeof OPS_PAGE_FILES;

const PAGE_DIR = 'ops-page';

/**
 * Where the page's files are. tsc copies no assets, so next to the compiled module (dist/clients)
 * there is nothing unless a build copied them; then the source directory that module was compiled
 * from, found through its source map (dist/ and any other outDir alike); GLASS_OPS_PAGE_DIR first
 * if set (a packaged deployment).
 */
export function findOpsPageDir(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates: string[] = [];
  if (env.GLASS_OPS_PAGE_DIR) candidates.push(resolve(env.GLASS_OPS_PAGE_DIR));
  candidates.push(join(here, PAGE_DIR));
  const source = sourceDirOf(fileURLToPath(moduleUrl));
  if (source !== null) candidates.push(join(source, PAGE_DIR));
  for (const dir of candidates) if (existsSync(join(dir, 'index.html'))) return dir;
  throw new Error(`the ops page files were not found (looked in ${candidates.join(', ')}); set GLASS_OPS_PAGE_DIR`);
}

/** The directory of the TypeScript source a compiled module came from, by its source map; null without one. */
function sourceDirOf(file: string): string | null {
  const map = file + '.map';
  if (!existsSync(map)) return null;
  try {
    const parsed = JSON.parse(readFileSync(map, 'utf8')) as { sources?: unknown; sourceRoot?: unknown };
    const first = Array.isArray(parsed.sources) ? parsed.sources[0] : undefined;
    if (typeof first !== 'string') return null;
    const root = typeof parsed.sourceRoot === 'string' ? parsed.sourceRoot : '';
    return dirname(resolve(dirname(file), root, first));
  } catch {
    return null;
  }
}

/** Reads the page's files once (they are small) and serves them from memory. */
export function loadOpsPage(dir: string = findOpsPageDir()): Record<OpsPageFile, Buffer> {
  const out = {} as Record<OpsPageFile, Buffer>;
  for (const name of Object.keys(OPS_PAGE_FILES) as OpsPageFile[]) out[name] = readFileSync(join(dir, name));
  return out;
}

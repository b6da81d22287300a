// The files of the player web client's bundle (dist/app, made by clients/web/build.mjs), read once
// at mount and served from memory: only names found there are ever served, so no request path can
// reach another file.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Content types by extension; a file of any other kind in the bundle is not served. */
export const WEB_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** A name build.mjs gives a file under assets/ (letters, digits, `-`, `_`, dots; no slash, no `..`). */
const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+$/;

export interface WebAsset {
  readonly body: Buffer;
  readonly type: string;
  /** Names with a content hash (`app-3FJ2K1.js`) never change: cached for a year. */
  readonly immutable: boolean;
}

export interface WebBundle {
  readonly index: Buffer;
  /** The files of assets/, by name. */
  readonly assets: ReadonlyMap<string, WebAsset>;
}

/**
 * Where the bundle is: GLASS_WEB_DIR if set (a packaged deployment), else dist/app beside the
 * compiled module (dist/clients/web/ → dist/app). Null when no build made it.
 */
export function findWebAppDir(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): string | null {
  const candidates: string[] = [];
  if (env.GLASS_WEB_DIR) candidates.push(resolve(env.GLASS_WEB_DIR));
  candidates.push(resolve(dirname(fileURLToPath(moduleUrl)), '..', '..', 'app'));
  for (const dir of candidates) if (existsSync(join(dir, 'index.html'))) return dir;
  return null;
}

/** Reads index.html and every regular file of assets/ whose name and extension are the bundle's (no symlink: nothing outside the directory). */
export function loadWebBundle(dir: string): WebBundle {
  const assets = new Map<string, WebAsset>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = WEB_CONTENT_TYPES[extname(name)];
      const path = join(assetDir, name);
      if (type === undefined || !ASSET_NAME.test(name) || !lstatSync(path).isFile()) continue;
      assets.set(name, { body: readFileSync(path), type, immutable: /-[A-Z0-9]{8}\./.test(name) });
    }
  }
  return { index: readFileSync(join(dir, 'index.html')), assets };
}

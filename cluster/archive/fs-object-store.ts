// The embedded node's ObjectStore: files under a directory (default `.data/objects/`), versioned
// like a versioned S3 bucket so the same contract holds on both.
//
// Layout: `versions/<path>/<versionId>.o` (bytes) or `.x` (a delete marker), and `current/<path>`, a
// hard link to the newest data version, which list and get read without scanning versions. A key's
// segments map to `<segment>.d` directories and a `<segment>.o` leaf, so keys `a` and `a/b` can both
// exist (S3 allows it; a plain tree could not) and no segment can ever be `.` or `..`.
// Writes go to `tmp/` first (fsync'd), then rename: a reader sees the old or the new bytes, never a part.
// One writer per key is assumed across threads (an actor owns its keys); within a store, writes to a
// key are serialised so `current` always names the newest version.
// A store remembers the directories it made (a write is then one mkdir fewer per directory: a room's
// spill wrote through four `mkdir -p` before) and names its temporary files from one random prefix
// and a counter; a directory removed behind its back is made again on the ENOENT that follows.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import {
  MAX_OBJECT_BYTES,
  ObjectStoreError,
  ObjectTooLargeError,
  checkObjectKey,
  checkObjectPrefix,
  compareObjectKeys,
  pageLimit,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStore,
  type ObjectVersion,
} from '../../runtime/index.js';

export const DEFAULT_OBJECTS_DIR = join('.data', 'objects');

export interface FsObjectStoreOptions {
  /** The store's directory (created when missing); default `.data/objects` under the working directory. */
  dir?: string;
}

const VERSION_ID = /^\d{15}-\d{6}-[0-9a-f]{8}$/;
let sequence = 0;

function newVersionId(): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${String(Date.now()).padStart(15, '0')}-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
}

function leafPath(key: string): string {
  const segments = key.split('/');
  const last = segments.pop()!;
  return join(...segments.map((s) => s + '.d'), last + '.o');
}

function dirPath(prefix: string): string {
  const cut = prefix.lastIndexOf('/');
  return cut < 0 ? '' : join(...prefix.slice(0, cut).split('/').map((s) => s + '.d'));
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class FsObjectStore implements ObjectStore {
  readonly versioned = true;
  readonly #root: string;
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Directories this store made or found (mkdir -p is not asked again for them). */
  readonly #dirs = new Set<string>();
  /** Temporary names: this store's random prefix and a counter ('wx' refuses any clash). */
  readonly #tmpPrefix = randomBytes(8).toString('hex') + '-';
  #tmpCount = 0;
  readonly #tmpDir: string;

  constructor(options: FsObjectStoreOptions = {}) {
    this.#root = options.dir ?? DEFAULT_OBJECTS_DIR;
    this.#tmpDir = join(this.#root, 'tmp');
  }

  async put(key: string, body: Uint8Array | string): Promise<{ versionId: string | null }> {
    checkObjectKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (bytes.byteLength > MAX_OBJECT_BYTES) throw new ObjectTooLargeError(key, bytes.byteLength, MAX_OBJECT_BYTES);
    return this.#serial(key, 'put', async () => {
      const versionId = newVersionId();
      const versionFile = join(this.#root, 'versions', leafPath(key), versionId + '.o');
      await this.#writeDurably(versionFile, bytes);
      const linkTmp = this.#tmpName();
      try {
        await this.#inDir(this.#tmpDir, () => link(versionFile, linkTmp));
      } catch (err) {
        // Another thread's newer put of this key already erased this version: that one is current.
        if (isMissing(err)) return { versionId };
        throw err;
      }
      const current = join(this.#root, 'current', leafPath(key));
      await this.#inDir(join(current, '..'), () => rename(linkTmp, current));
      return { versionId };
    });
  }

  async get(key: string, options: GetOptions = {}): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    const limit = options.maxBytes ?? MAX_OBJECT_BYTES;
    const file = this.#fileOf(key, options.versionId);
    if (file === undefined) return undefined;
    try {
      const info = await stat(file);
      if (info.size > limit) throw new ObjectTooLargeError(key, info.size, limit);
      const bytes = await readFile(file);
      if (bytes.byteLength > limit) throw new ObjectTooLargeError(key, bytes.byteLength, limit);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if (isMissing(err)) return undefined;
      if (err instanceof ObjectTooLargeError) throw err;
      throw new ObjectStoreError('get', key, { cause: err });
    }
  }

  async stat(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo | undefined> {
    checkObjectKey(key);
    const file = this.#fileOf(key, options.versionId);
    if (file === undefined) return undefined;
    try {
      const info = await stat(file);
      const versionId = options.versionId ?? (await this.versions(key, { limit: 1 }))[0]?.versionId ?? null;
      return { key, size: info.size, lastModified: Math.floor(info.mtimeMs), versionId };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new ObjectStoreError('stat', key, { cause: err });
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage<ObjectInfo>> {
    checkObjectPrefix(prefix);
    const limit = pageLimit(options.limit);
    const base = join(this.#root, 'current', dirPath(prefix));
    const keyBase = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const found: { key: string; file: string }[] = [];
    try {
      await this.#walk(base, keyBase, prefix, options.after, found);
    } catch (err) {
      throw new ObjectStoreError('list', prefix, { cause: err });
    }
    found.sort((a, b) => compareObjectKeys(a.key, b.key));
    const page = found.slice(0, limit);
    const items: ObjectInfo[] = [];
    for (const { key, file } of page) {
      try {
        const info = await stat(file);
        items.push({ key, size: info.size, lastModified: Math.floor(info.mtimeMs), versionId: null });
      } catch (err) {
        if (!isMissing(err)) throw new ObjectStoreError('list', prefix, { cause: err });
      }
    }
    return { items, next: found.length > limit && page.length > 0 ? page[page.length - 1]!.key : null };
  }

  async delete(key: string, options: { versionId?: string } = {}): Promise<void> {
    checkObjectKey(key);
    if (options.versionId !== undefined) return this.#deleteVersion(key, options.versionId);
    await this.#serial(key, 'delete', async () => {
      // As on S3 (moto and MinIO alike): deleting what is not there leaves no marker.
      const current = await stat(join(this.#root, 'current', leafPath(key))).catch(() => undefined);
      if (current === undefined) return;
      await this.#writeDurably(join(this.#root, 'versions', leafPath(key), newVersionId() + '.x'), new Uint8Array(0));
      await unlink(join(this.#root, 'current', leafPath(key))).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
    });
  }

  async #deleteVersion(key: string, versionId: string): Promise<void> {
    if (!VERSION_ID.test(versionId)) return;
    await this.#serial(key, 'delete a version of', async () => {
      const dir = join(this.#root, 'versions', leafPath(key));
      // The names alone say which version is newest (no stat of each, as versions() does for sizes).
      const newest = (await this.#versionNames(dir, key))[0]?.slice(0, -2);
      // A version is data (.o) or a delete marker (.x): the marker is looked for only when no data was there.
      const removed = await unlink(join(dir, versionId + '.o')).then(
        () => true,
        (err: unknown) => {
          if (!isMissing(err)) throw err;
          return false;
        },
      );
      if (!removed) {
        await unlink(join(dir, versionId + '.x')).catch((err: unknown) => {
          if (!isMissing(err)) throw err;
        });
      }
      if (newest !== versionId) return;
      // The newest went: the key reads as whatever is newest now.
      const now = (await this.versions(key, { limit: 1 }))[0];
      const current = join(this.#root, 'current', leafPath(key));
      if (now === undefined || now.deleteMarker) {
        await unlink(current).catch((err: unknown) => {
          if (!isMissing(err)) throw err;
        });
        return;
      }
      const linkTmp = this.#tmpName();
      await this.#inDir(this.#tmpDir, () => link(join(dir, now.versionId + '.o'), linkTmp));
      await rename(linkTmp, current);
    });
  }

  async versions(key: string, options: { limit?: number } = {}): Promise<ObjectVersion[]> {
    checkObjectKey(key);
    const limit = pageLimit(options.limit);
    const dir = join(this.#root, 'versions', leafPath(key));
    const names = await this.#versionNames(dir, key);
    const out: ObjectVersion[] = [];
    for (const name of names.slice(0, limit)) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info === undefined) continue;
      out.push({
        key,
        size: info.size,
        lastModified: Number(name.slice(0, 15)),
        versionId: name.slice(0, -2),
        isLatest: out.length === 0 && name === names[0],
        deleteMarker: name.endsWith('.x'),
      });
    }
    return out;
  }

  /** The file names of a key's versions (`<id>.o`, `<id>.x`), newest first. */
  async #versionNames(dir: string, key: string): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => VERSION_ID.test(n.slice(0, -2)) && (n.endsWith('.o') || n.endsWith('.x')));
    } catch (err) {
      if (isMissing(err)) return [];
      throw new ObjectStoreError('list versions of', key, { cause: err });
    }
    return names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#locks.values()]);
  }

  /** The file holding `key` (its current bytes, or one data version); undefined for an unknown version id. */
  #fileOf(key: string, versionId: string | undefined): string | undefined {
    if (versionId === undefined) return join(this.#root, 'current', leafPath(key));
    if (!VERSION_ID.test(versionId)) return undefined;
    return join(this.#root, 'versions', leafPath(key), versionId + '.o');
  }

  async #walk(dir: string, keyBase: string, prefix: string, after: string | undefined, out: { key: string; file: string }[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const segment = entry.name.slice(0, -2);
      if (entry.isDirectory() && entry.name.endsWith('.d')) {
        const sub = keyBase + segment + '/';
        // Prune directories that cannot hold a key with the prefix.
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) await this.#walk(dir + sep + entry.name, sub, prefix, after, out);
      } else if (entry.isFile() && entry.name.endsWith('.o')) {
        const key = keyBase + segment;
        if (key.startsWith(prefix) && (after === undefined || compareObjectKeys(key, after) > 0)) out.push({ key, file: dir + sep + entry.name });
      }
    }
  }

  async #writeDurably(target: string, bytes: Uint8Array): Promise<void> {
    const tmp = this.#tmpName();
    const handle = await this.#inDir(this.#tmpDir, () => open(tmp, 'wx'));
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const dir = join(target, '..');
    await this.#inDir(dir, () => rename(tmp, target));
    // The rename itself is durable only once its directory is.
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  /** A new name in the temporary directory (made by #inDir when it is written into). */
  #tmpName(): string {
    return join(this.#tmpDir, this.#tmpPrefix + String(++this.#tmpCount));
  }

  /** Makes `dir` (and its parents) unless this store already did. */
  async #madeDir(dir: string): Promise<void> {
    if (this.#dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.#dirs.add(dir);
  }

  /** Runs `work`, which writes into `dir`, with `dir` made; once more after making it again if it has gone (ENOENT). */
  async #inDir<T>(dir: string, work: () => Promise<T>): Promise<T> {
    await this.#madeDir(dir);
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: string } | null)?.code !== 'ENOENT') throw err;
      this.#dirs.clear();
      await this.#madeDir(dir);
      return work();
    }
  }

  async #serial<T>(key: string, operation: string, work: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    this.#locks.set(key, settled);
    void settled.then(() => {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    });
    try {
      return await run;
    } catch (err) {
      if ((err as { code?: string } | null)?.code?.startsWith('GLASS_ERR_')) throw err;
      throw new ObjectStoreError(operation, key, { cause: err });
    }
  }

  /** Removes the whole directory: for tests. */
  async destroy(): Promise<void> {
    this.#dirs.clear();
    await rm(this.#root, { recursive: true, force: true });
  }
}

export function createFsObjectStore(options: FsObjectStoreOptions = {}): FsObjectStore {
  return new FsObjectStore(options);
}

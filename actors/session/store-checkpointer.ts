// A LangGraph checkpointer over the project's StateStore: the turn graph's checkpoints go where the
// actors' states go (the memory store or CouchDB), through the same optimistic versions.
import {
  BaseCheckpointSaver,
  TASKS,
  WRITES_IDX_MAP,
  compareWritesSortKeys,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
  writesSortKey,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import type { RunnableConfig } from '@langchain/core/runnables';
import { ErrorCodes, GlassError, StoreConflictError, positiveIntegerOption, type StateStore } from '../../runtime/index.js';

/** The StateStore kind of every document this checkpointer writes. */
export const CHECKPOINT_KIND = 'langgraph';
/** The document that names the threads (for `list` without a thread_id). */
const INDEX_ID = 'threads';
const threadDocId = (threadId: string): string => 'thread:' + threadId;

/** A serialized value: [serde type, text]; binary types are kept as base64 under `b64:<type>`. */
type Ser = [string, string];
/** [checkpoint id, task id, idx, channel, value, task path] */
type StoredWrite = [string, string, number, string, Ser, string];

interface StoredCheckpoint {
  id: string;
  parent?: string;
  /** The checkpoint with empty channel_values: the values are in the namespace's blobs. */
  cp: Ser;
  md: Ser;
}

interface NamespaceDoc {
  ns: string;
  /** Ascending by id (uuid6: time-ordered). */
  cps: StoredCheckpoint[];
  writes: StoredWrite[];
  /** One value per (channel, version): [channel, String(version), value, or null when the channel was emptied]. */
  blobs: Array<[string, string, Ser | null]>;
}

/** One document per thread. Arrays, not keyed objects: ids from callers never become property names. */
interface ThreadDoc {
  v: 1;
  namespaces: NamespaceDoc[];
}

interface IndexDoc {
  v: 1;
  threads: string[];
}

export interface StoreCheckpointerOptions {
  /** Checkpoints kept per thread and namespace; older ones (and values only they use) are pruned. Default 16. */
  maxCheckpoints?: number;
  /** Namespaces (subgraphs) per thread. Default 8. */
  maxNamespaces?: number;
  /** Pending writes kept per thread and namespace. Default 1,024. */
  maxWrites?: number;
  /** Threads named in the index that `list` without a thread_id walks (the oldest leave it first). Default 10,000. */
  maxIndexedThreads?: number;
  serde?: SerializerProtocol;
}

const MAX_ID_LENGTH = 512;
/** Reloads after a conflict before the operation gives up (another writer keeps winning). */
const MAX_CONFLICTS = 8;
/** Documents whose last written version is remembered (each operation on an uncached thread loads it first). */
const MAX_CACHED = 256;

interface Cached<T> {
  doc: T;
  version: string | null;
  epoch: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Layout: under kind `langgraph`, one document `thread:<thread_id>` per thread holding, per
 * namespace, its last `maxCheckpoints` checkpoints (channel_values left out), their pending writes,
 * and the channel values stored once per (channel, version), as LangGraph's savers do; one document
 * `threads` lists the threads for `list` without a thread_id. Every change is load (or the version
 * this instance last wrote) → change → save with that version; a StoreConflictError reloads and
 * applies the change again. Operations on one thread run one at a time in this instance (LangGraph
 * sends a step's writes while the checkpoint before it is still being saved).
 */
export class StoreCheckpointer extends BaseCheckpointSaver {
  readonly #store: StateStore;
  readonly #maxCheckpoints: number;
  readonly #maxNamespaces: number;
  readonly #maxWrites: number;
  readonly #maxIndexed: number;
  readonly #cache = new Map<string, Cached<unknown>>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(store: StateStore, options: StoreCheckpointerOptions = {}) {
    super(options.serde);
    this.#store = store;
    this.#maxCheckpoints = positiveIntegerOption('maxCheckpoints', options.maxCheckpoints ?? 16);
    this.#maxNamespaces = positiveIntegerOption('maxNamespaces', options.maxNamespaces ?? 8);
    this.#maxWrites = positiveIntegerOption('maxWrites', options.maxWrites ?? 1_024);
    this.#maxIndexed = positiveIntegerOption('maxIndexedThreads', options.maxIndexedThreads ?? 10_000);
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id as unknown;
    if (threadId === undefined) return undefined;
    checkId('thread_id', threadId);
    const ns = (config.configurable?.checkpoint_ns as unknown) ?? '';
    checkId('checkpoint_ns', ns, true);
    const wanted = getCheckpointId(config);
    const doc = await this.#read(threadId);
    const nsDoc = doc.namespaces.find((n) => n.ns === ns);
    if (nsDoc === undefined || nsDoc.cps.length === 0) return undefined;
    const stored = wanted === '' ? nsDoc.cps[nsDoc.cps.length - 1] : nsDoc.cps.find((c) => c.id === wanted);
    return stored === undefined ? undefined : this.#tuple(threadId, nsDoc, stored);
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    const threadId = config.configurable?.thread_id as unknown;
    const ns = config.configurable?.checkpoint_ns as unknown;
    const only = config.configurable?.checkpoint_id as unknown;
    if (threadId !== undefined) checkId('thread_id', threadId);
    if (ns !== undefined) checkId('checkpoint_ns', ns, true);
    const before = options?.before?.configurable?.checkpoint_id as string | undefined;
    const filter = options?.filter;
    let limit = options?.limit;
    const threads = threadId !== undefined ? [threadId as string] : (await this.#readIndex()).threads;
    for (const thread of threads) {
      const doc = await this.#read(thread);
      for (const nsDoc of doc.namespaces) {
        if (ns !== undefined && nsDoc.ns !== ns) continue;
        for (let i = nsDoc.cps.length - 1; i >= 0; i--) {
          const stored = nsDoc.cps[i];
          if (only && stored.id !== only) continue;
          if (before && stored.id >= before) continue;
          if (filter !== undefined) {
            const metadata = (await this.#loads(stored.md)) as Record<string, unknown>;
            if (!Object.entries(filter).every(([key, value]) => metadata?.[key] === value)) continue;
          }
          if (limit !== undefined) {
            if (limit <= 0) return;
            limit -= 1;
          }
          yield await this.#tuple(thread, nsDoc, stored);
        }
      }
    }
  }

  async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    const configurable = config.configurable;
    if (configurable === undefined) throw invalid('put: the config has no "configurable"');
    const threadId = configurable.thread_id as unknown;
    if (threadId === undefined) throw invalid('put: the config has no thread_id');
    checkId('thread_id', threadId);
    const ns = (configurable.checkpoint_ns as unknown) ?? '';
    checkId('checkpoint_ns', ns, true);
    checkId('checkpoint id', checkpoint.id);
    const parent = configurable.checkpoint_id as string | undefined;
    const copy = copyCheckpoint(checkpoint);
    const values = copy.channel_values;
    copy.channel_values = {};
    const [cp, md] = await Promise.all([this.#dumps(copy), this.#dumps(metadata)]);
    const blobs: Array<[string, string, Ser | null]> = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      blobs.push([channel, String(version), Object.hasOwn(values, channel) ? await this.#dumps(values[channel]) : null]);
    }
    const entry: StoredCheckpoint = parent ? { id: checkpoint.id, parent, cp, md } : { id: checkpoint.id, cp, md };
    await this.#change(threadId, (doc) => {
      const nsDoc = this.#namespace(doc, ns);
      for (const blob of blobs) {
        const i = nsDoc.blobs.findIndex((b) => b[0] === blob[0] && b[1] === blob[1]);
        if (i >= 0) nsDoc.blobs[i] = blob;
        else nsDoc.blobs.push(blob);
      }
      const at = nsDoc.cps.findIndex((c) => c.id >= entry.id);
      if (at < 0) nsDoc.cps.push(entry);
      else if (nsDoc.cps[at].id === entry.id) nsDoc.cps[at] = entry;
      else nsDoc.cps.splice(at, 0, entry);
      this.#prune(nsDoc);
    });
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    const threadId = config.configurable?.thread_id as unknown;
    const checkpointId = config.configurable?.checkpoint_id as unknown;
    if (threadId === undefined) throw invalid('putWrites: the config has no thread_id');
    if (checkpointId === undefined) throw invalid('putWrites: the config has no checkpoint_id');
    checkId('thread_id', threadId);
    checkId('checkpoint_id', checkpointId);
    checkId('task id', taskId);
    const ns = (config.configurable?.checkpoint_ns as unknown) ?? '';
    checkId('checkpoint_ns', ns, true);
    const path = taskPath ?? '';
    const stored: StoredWrite[] = [];
    for (let i = 0; i < writes.length; i++) {
      const [channel, value] = writes[i];
      stored.push([checkpointId, taskId, WRITES_IDX_MAP[channel] ?? i, channel, await this.#dumps(value), path]);
    }
    await this.#change(threadId, (doc) => {
      const nsDoc = this.#namespace(doc, ns);
      for (const w of stored) {
        const i = nsDoc.writes.findIndex((x) => x[0] === w[0] && x[1] === w[1] && x[2] === w[2]);
        // As MemorySaver: a regular write is kept once (a retried task does not duplicate it);
        // the special ones (error, interrupt, resume) are replaced.
        if (i < 0) nsDoc.writes.push(w);
        else if (w[2] < 0) nsDoc.writes[i] = w;
      }
      if (nsDoc.writes.length > this.#maxWrites) throw invalid(`more than ${this.#maxWrites} pending writes in thread ${threadId}`);
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    checkId('thread_id', threadId);
    // The thread stays in the index (a thread is indexed once, when first created): an emptied
    // document lists nothing, and the next turn does not write the index again.
    await this.#change(threadId, (doc) => {
      if (doc.namespaces.length === 0) return false;
      doc.namespaces = [];
    });
  }

  /** How many checkpoints the thread's document holds, all namespaces together (for tests and ops). */
  async storedCheckpoints(threadId: string): Promise<number> {
    checkId('thread_id', threadId);
    const doc = await this.#read(threadId);
    return doc.namespaces.reduce((n, ns) => n + ns.cps.length, 0);
  }

  async #tuple(threadId: string, nsDoc: NamespaceDoc, stored: StoredCheckpoint): Promise<CheckpointTuple> {
    const checkpoint = (await this.#loads(stored.cp)) as Checkpoint;
    const values: Record<string, unknown> = {};
    for (const [channel, version] of Object.entries(checkpoint.channel_versions ?? {})) {
      const blob = nsDoc.blobs.find((b) => b[0] === channel && b[1] === String(version));
      if (blob !== undefined && blob[2] !== null) values[channel] = await this.#loads(blob[2]);
    }
    checkpoint.channel_values = values;
    if (checkpoint.v < 4 && stored.parent !== undefined) await this.#migratePendingSends(checkpoint, nsDoc, stored.parent);
    const ordered = nsDoc.writes
      .filter((w) => w[0] === stored.id)
      .map((w) => ({ key: writesSortKey(w[5], w[1], w[2]), w }))
      .sort((a, b) => compareWritesSortKeys(a.key, b.key));
    const pendingWrites: CheckpointPendingWrite[] = [];
    for (const { w } of ordered) pendingWrites.push([w[1], w[3], await this.#loads(w[4])]);
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id: threadId, checkpoint_ns: nsDoc.ns, checkpoint_id: stored.id } },
      checkpoint,
      metadata: (await this.#loads(stored.md)) as CheckpointMetadata,
      pendingWrites,
    };
    if (stored.parent !== undefined) tuple.parentConfig = { configurable: { thread_id: threadId, checkpoint_ns: nsDoc.ns, checkpoint_id: stored.parent } };
    return tuple;
  }

  /** Checkpoints before v4 kept the sends in the parent's writes; v4 keeps them in the TASKS channel (as MemorySaver migrates). */
  async #migratePendingSends(checkpoint: Checkpoint, nsDoc: NamespaceDoc, parentId: string): Promise<void> {
    const sends: unknown[] = [];
    for (const w of nsDoc.writes) if (w[0] === parentId && w[3] === TASKS) sends.push(await this.#loads(w[4]));
    checkpoint.channel_values ??= {};
    checkpoint.channel_values[TASKS] = sends;
    checkpoint.channel_versions ??= {};
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  #namespace(doc: ThreadDoc, ns: string): NamespaceDoc {
    let nsDoc = doc.namespaces.find((n) => n.ns === ns);
    if (nsDoc === undefined) {
      if (doc.namespaces.length >= this.#maxNamespaces) throw invalid(`more than ${this.#maxNamespaces} checkpoint namespaces in one thread`);
      nsDoc = { ns, cps: [], writes: [], blobs: [] };
      doc.namespaces.push(nsDoc);
    }
    return nsDoc;
  }

  /** Keeps the newest checkpoints, the values they name, and the writes of kept (or not yet saved, newer) checkpoints. */
  #prune(nsDoc: NamespaceDoc): void {
    if (nsDoc.cps.length <= this.#maxCheckpoints) return;
    nsDoc.cps.splice(0, nsDoc.cps.length - this.#maxCheckpoints);
    const oldest = nsDoc.cps[0].id;
    nsDoc.writes = nsDoc.writes.filter((w) => w[0] >= oldest);
    const used = new Set<string>();
    for (const c of nsDoc.cps) {
      const versions = (JSON.parse(c.cp[0] === 'json' ? c.cp[1] : '{}') as { channel_versions?: Record<string, unknown> }).channel_versions ?? {};
      for (const [channel, version] of Object.entries(versions)) used.add(JSON.stringify([channel, String(version)]));
    }
    // A checkpoint not stored as JSON hides its versions: keep every value rather than guess.
    if (nsDoc.cps.some((c) => c.cp[0] !== 'json')) return;
    nsDoc.blobs = nsDoc.blobs.filter((b) => used.has(JSON.stringify([b[0], b[1]])));
  }

  async #dumps(value: unknown): Promise<Ser> {
    const [type, bytes] = await this.serde.dumpsTyped(value);
    if (type === 'json') return [type, utf8.decode(bytes)];
    return ['b64:' + type, Buffer.from(bytes).toString('base64')];
  }

  async #loads(ser: Ser): Promise<unknown> {
    const [type, text] = ser;
    if (type.startsWith('b64:')) return this.serde.loadsTyped(type.slice(4), new Uint8Array(Buffer.from(text, 'base64')));
    return this.serde.loadsTyped(type, text);
  }

  #read(threadId: string): Promise<ThreadDoc> {
    return this.#serial(threadDocId(threadId), async () => (await this.#load<ThreadDoc>(threadDocId(threadId), emptyThread)).doc);
  }

  async #readIndex(): Promise<IndexDoc> {
    return this.#serial(INDEX_ID, async () => (await this.#load<IndexDoc>(INDEX_ID, emptyIndex)).doc);
  }

  /** Applies `mutate` to the thread's document and saves it; `mutate` returning false means nothing changed. */
  async #change(threadId: string, mutate: (doc: ThreadDoc) => void | false): Promise<void> {
    const id = threadDocId(threadId);
    const created = await this.#serial(id, () => this.#update<ThreadDoc>(id, emptyThread, mutate));
    if (created) await this.#serial(INDEX_ID, () => this.#update<IndexDoc>(INDEX_ID, emptyIndex, (index) => {
      if (index.threads.includes(threadId)) return false;
      index.threads.push(threadId);
      if (index.threads.length > this.#maxIndexed) index.threads.splice(0, index.threads.length - this.#maxIndexed);
    }));
  }

  /** Load (or the cached version) → mutate → save; reloads on conflict. Resolves true when the document was created. */
  async #update<T>(id: string, empty: () => T, mutate: (doc: T) => void | false): Promise<boolean> {
    let current = this.#cache.get(id) as Cached<T> | undefined;
    for (let attempt = 0; ; attempt++) {
      current ??= await this.#load(id, empty);
      // The cached document is changed on a copy: a failed save must not leave it half-changed.
      const doc = structuredClone(current.doc);
      if (mutate(doc) === false) return false;
      try {
        const version = await this.#store.save(CHECKPOINT_KIND, id, doc, current.version, current.epoch);
        this.#remember(id, { doc, version, epoch: current.epoch });
        return current.version === null;
      } catch (err) {
        if (!(err instanceof StoreConflictError) || attempt + 1 >= MAX_CONFLICTS) {
          this.#cache.delete(id);
          throw err;
        }
        current = undefined;
      }
    }
  }

  async #load<T>(id: string, empty: () => T): Promise<Cached<T>> {
    const stored = await this.#store.load(CHECKPOINT_KIND, id);
    const loaded: Cached<T> = stored === undefined ? { doc: empty(), version: null, epoch: 0 } : { doc: stored.state as T, version: stored.version, epoch: stored.epoch };
    this.#remember(id, loaded);
    return loaded;
  }

  #remember(id: string, entry: Cached<unknown>): void {
    this.#cache.delete(id);
    this.#cache.set(id, entry);
    if (this.#cache.size > MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
  }

  /** Runs `fn` after every earlier operation on the same document of this instance. */
  #serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(noop, noop);
    this.#queues.set(id, tail);
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return run;
  }
}

export function createStoreCheckpointer(store: StateStore, options?: StoreCheckpointerOptions): StoreCheckpointer {
  return new StoreCheckpointer(store, options);
}

const emptyThread = (): ThreadDoc => ({ v: 1, namespaces: [] });
const emptyIndex = (): IndexDoc => ({ v: 1, threads: [] });
const noop = (): void => {};

function invalid(message: string): GlassError {
  return new GlassError(ErrorCodes.INVALID_OPTION, `checkpointer: ${message}`);
}

function checkId(name: string, value: unknown, allowEmpty = false): asserts value is string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > MAX_ID_LENGTH) {
    throw invalid(`${name} must be a string of ${allowEmpty ? 0 : 1} to ${MAX_ID_LENGTH} characters`);
  }
}

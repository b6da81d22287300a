// Actor kinds of the rehydrate scenario, loaded by worker threads through `actorModules`. Worker-safe:
// it imports only the actors layer. In a worker thread it also counts the state store's HTTP
// requests (by wrapping the global fetch, which nano calls), so that the scenario can tell how many
// _all_docs / _bulk_docs requests a phase took and how long they were in flight.
import { isMainThread } from 'node:worker_threads';
import { defineActor, type ActorContext } from '../../../actors/index.js';

export const STATE_KIND = 'bench-state';
export const CRASH_KIND = 'bench-crash';
export const PROBE_KIND = 'bench-probe';

/**
 * The write-behind period of `bench-state`, read from the environment a worker inherits (the
 * scenario sets it before starting the node). The runtime caps the period at 60 s; the default keeps
 * the write-behind timer out of the measurements, which flush explicitly (node.flush()).
 */
export const WRITE_BEHIND_ENV = 'GLASS_BENCH_WRITE_BEHIND_MS';
const writeBehindMs = Number(process.env[WRITE_BEHIND_ENV] ?? 60_000);

/** A small realistic state (an account): about 350–400 bytes as JSON. */
export interface AccountState {
  owner: string;
  displayName: string;
  email: string;
  locale: string;
  tier: 'free' | 'pro';
  balanceCents: number;
  /** Writes handled since the actor was created: the scenario checks it after reloads. */
  version: number;
  createdAt: string;
  updatedAt: string;
  tags: string[];
  recent: { at: string; op: string; amountCents: number }[];
}

export interface ReadReply {
  version: number;
  balanceCents: number;
}

const RECENT = 3;

export function initialAccount(id: string): AccountState {
  const now = new Date().toISOString();
  return {
    owner: id,
    displayName: `Player ${id}`,
    email: `${id}@players.example.com`,
    locale: 'en-GB',
    tier: id.length % 2 === 0 ? 'pro' : 'free',
    balanceCents: 0,
    version: 0,
    createdAt: now,
    updatedAt: now,
    tags: ['beta', 'eu-west', 'newsletter'],
    recent: [],
  };
}

/** An account: `write` changes the state (saved write-behind), `read` only looks at it. */
export const benchState = defineActor({
  kind: STATE_KIND,
  initialState: initialAccount,
  persistence: { save: 'write-behind', writeBehindMs },
  readOnly: ['read'],
  handlers: {
    write(ctx: ActorContext<AccountState>, msg: { amountCents: number }): number {
      const s = ctx.state;
      const at = new Date().toISOString();
      s.version++;
      s.balanceCents += msg.amountCents;
      s.updatedAt = at;
      s.recent.push({ at, op: msg.amountCents >= 0 ? 'deposit' : 'withdrawal', amountCents: msg.amountCents });
      if (s.recent.length > RECENT) s.recent.shift();
      return s.version;
    },
    read(ctx: ActorContext<AccountState>, _msg: {}): ReadReply {
      return { version: ctx.state.version, balanceCents: ctx.state.balanceCents };
    },
  },
});

/** Takes its whole worker down from inside, as a bug would: process.exit in a worker ends that thread. */
export const benchCrash = defineActor({
  kind: CRASH_KIND,
  initialState: () => ({}),
  persistence: { save: 'passivation' },
  handlers: {
    exit(_ctx, msg: { code: number }): void {
      process.exit(msg.code);
    },
  },
});

// ---- HTTP accounting of this worker's store -------------------------------------------------

/** Keys per `_all_docs` request, in these buckets (upper bounds, inclusive). */
export const KEY_BUCKETS = [1, 8, 32, 64, 128, 256, 1024] as const;

export interface RequestStats {
  count: number;
  /** Keys (_all_docs), documents (_bulk_docs) or 1 (GET). */
  items: number;
  /** Sum of the time from fetch() to the response headers, ms. */
  totalMs: number;
  maxMs: number;
}

export interface StoreCounters {
  thread: number;
  /** performance.timeOrigin + performance.now() when this module was evaluated in this thread. */
  loadedAt: number;
  allDocs: RequestStats;
  bulkDocs: RequestStats;
  getDoc: RequestStats;
  other: RequestStats;
  /** _all_docs requests per key-count bucket (KEY_BUCKETS). */
  allDocsKeyBuckets: number[];
  inFlight: number;
  /** Epoch ms (sub-ms) of the first request sent and of the last response received since reset. */
  firstSentAt: number | null;
  lastDoneAt: number | null;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

function emptyStats(): RequestStats {
  return { count: 0, items: 0, totalMs: 0, maxMs: 0 };
}

const counters: StoreCounters = {
  thread: 0,
  loadedAt: epochNow(),
  allDocs: emptyStats(),
  bulkDocs: emptyStats(),
  getDoc: emptyStats(),
  other: emptyStats(),
  allDocsKeyBuckets: KEY_BUCKETS.map(() => 0),
  inFlight: 0,
  firstSentAt: null,
  lastDoneAt: null,
};
let idleWaiters: (() => void)[] = [];

function resetCounters(): void {
  counters.allDocs = emptyStats();
  counters.bulkDocs = emptyStats();
  counters.getDoc = emptyStats();
  counters.other = emptyStats();
  counters.allDocsKeyBuckets = KEY_BUCKETS.map(() => 0);
  counters.firstSentAt = null;
  counters.lastDoneAt = null;
}

/** Occurrences of `needle` in `text`. */
function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** What one request is, for the counters; null for the probe's own requests (not counted). */
function classify(url: string, method: string, body: unknown): { stats: RequestStats; items: number; keys?: number } | null {
  if (url.includes(PROBE_KIND) || url.includes(CRASH_KIND)) return null;
  const path = url.split('?')[0];
  if (path.endsWith('/_all_docs') && method === 'POST') {
    const keys = typeof body === 'string' ? (JSON.parse(body) as { keys?: unknown[] }).keys?.length ?? 0 : 0;
    return { stats: counters.allDocs, items: keys, keys };
  }
  if (path.endsWith('/_bulk_docs')) {
    const docs = typeof body === 'string' ? occurrences(body, `"_id":"${STATE_KIND}:`) : 0;
    // A bulk that holds only the probe's or the crasher's document (drain) is not counted.
    return docs === 0 ? null : { stats: counters.bulkDocs, items: docs };
  }
  if (method === 'GET' && path.includes(encodeURIComponent(`${STATE_KIND}:`))) return { stats: counters.getDoc, items: 1 };
  return { stats: counters.other, items: 1 };
}

function installFetchCounter(): void {
  const original = globalThis.fetch;
  globalThis.fetch = async function countedFetch(input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const kind = classify(url, (init?.method ?? 'GET').toUpperCase(), init?.body);
    if (kind === null) return original(input, init);
    const started = performance.now();
    counters.inFlight++;
    counters.firstSentAt ??= epochNow();
    if (kind.keys !== undefined) {
      const bucket = KEY_BUCKETS.findIndex((b) => kind.keys! <= b);
      counters.allDocsKeyBuckets[bucket === -1 ? KEY_BUCKETS.length - 1 : bucket]++;
    }
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const ms = performance.now() - started;
      kind.stats.count++;
      kind.stats.items += kind.items;
      kind.stats.totalMs += ms;
      kind.stats.maxMs = Math.max(kind.stats.maxMs, ms);
      counters.lastDoneAt = epochNow();
      if (--counters.inFlight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        // After the store has handled the body (its continuation runs in the same turn).
        setImmediate(() => waiters.forEach((w) => w()));
      }
    };
    let response: Response;
    try {
      response = await original(input, init);
    } catch (err) {
      finish();
      throw err;
    }
    if ((init?.method ?? 'GET').toUpperCase() === 'HEAD') {
      finish();
      return response;
    }
    // A request is done when its body has been read (nano reads it right after the headers).
    for (const method of ['json', 'text', 'arrayBuffer'] as const) {
      const read = response[method].bind(response) as () => Promise<unknown>;
      (response as unknown as Record<string, () => Promise<unknown>>)[method] = () => read().finally(finish);
    }
    return response;
  };
}

if (!isMainThread) installFetchCounter();

/**
 * Reads and resets this worker's store counters; `idle` waits until no counted request is in
 * flight (e.g. the saves a node.flush() started). One per worker thread (ids by node.threadOf).
 */
export const benchProbe = defineActor({
  kind: PROBE_KIND,
  initialState: () => ({}),
  persistence: { save: 'passivation' },
  handlers: {
    counters(_ctx, msg: { thread: number; reset?: boolean }): StoreCounters {
      counters.thread = msg.thread;
      const snapshot = structuredClone(counters);
      if (msg.reset === true) resetCounters();
      return snapshot;
    },
    /** Resolves once no store request is in flight, after at least `settleMs` (a flush's saves start on the next tick). */
    async idle(_ctx, msg: { settleMs: number }): Promise<number> {
      await new Promise((resolve) => setTimeout(resolve, msg.settleMs));
      if (counters.inFlight > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      return counters.lastDoneAt ?? 0;
    },
  },
});

export const actors = [benchState, benchCrash, benchProbe];

/** What the scenario passes as `actorModules` to load these kinds. */
export const REHYDRATE_ACTORS = new URL('./rehydrate-actors.js', import.meta.url).href;

// The topology's stores as supervised services (tier 0: stopped last): a redis-server of its own
// (nothing on disk, like the machine's: a restart comes back empty on the same port), the embedded
// CouchDB-protocol server (D/couch; a restart reopens it on the same port with the same secret) and
// the embedded PostgreSQL (PGlite in D/pg, a thread of the supervisor: not restartable).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedPostgres, startEmbeddedCouch } from '../../../cluster/index.js';
import { ChildService, childIncarnation, type Incarnation } from './child-service.js';
import { probe } from './probes.js';
import type { ServiceDef } from './supervised-service.js';

export const STORE_TIER = 0;
const STORE_GRACE_MS = 5_000;

export type Until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs: number) => Promise<T>;

export interface StoreContext {
  readonly dir: string;
  readonly setpriv: string;
  readonly until: Until;
  readonly readyTimeoutMs: number;
}

export function redisDef(c: StoreContext, binary: string, port: number): ServiceDef {
  const data = join(c.dir, 'redis');
  return {
    name: 'redis',
    kind: 'redis',
    tier: STORE_TIER,
    graceMs: STORE_GRACE_MS,
    restartable: true,
    spawn: async () => {
      mkdirSync(data, { recursive: true, mode: 0o700 });
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', data, '--loglevel', 'notice'];
      const child = new ChildService('redis', binary, args, { env: { PATH: process.env.PATH ?? '' }, cwd: data, log: join(c.dir, 'logs', 'redis.log'), setpriv: c.setpriv });
      return childIncarnation(child, port, `redis://127.0.0.1:${port}`);
    },
    ready: (i) => answers(c, 'redis', i),
  };
}

/** The embedded CouchDB-protocol server (forked detached by cluster/, tied to the supervisor by its IPC channel). */
export function couchDef(c: StoreContext, secret: string): ServiceDef & { readonly url: () => string } {
  let port = 0;
  let url = '';
  return {
    name: 'couch',
    kind: 'couch',
    tier: STORE_TIER,
    graceMs: STORE_GRACE_MS,
    restartable: true,
    /** With the secret: for the nodes only (known once it first started). */
    url: () => url,
    spawn: async (): Promise<Incarnation> => {
      const couch = await startEmbeddedCouch({ dataDir: join(c.dir, 'couch'), secret, port });
      port = couch.port;
      url = couch.url;
      return {
        pid: couch.pid,
        port: couch.port,
        url: couch.safeUrl,
        exited: couch.exited.then((e) => ({ code: e.code, signal: e.signal as NodeJS.Signals | null })),
        stop: async () => {
          // close() asks it to close and SIGKILLs it past its own 5 s.
          let forced = false;
          const t = setTimeout(() => (forced = true), STORE_GRACE_MS);
          await couch.close();
          clearTimeout(t);
          const e = await couch.exited;
          return { exit: { code: e.code, signal: e.signal as NodeJS.Signals | null }, forced };
        },
      };
    },
    ready: (i) => answers(c, 'couch', i),
  };
}

/** PGlite in this process: its pid is the supervisor's; it cannot die on its own, so never restarted. */
export function postgresDef(c: StoreContext): ServiceDef & { readonly started: () => EmbeddedPostgres | null } {
  let pg: EmbeddedPostgres | null = null;
  return {
    name: 'postgres',
    kind: 'postgres',
    tier: STORE_TIER,
    graceMs: STORE_GRACE_MS,
    restartable: false,
    started: () => pg,
    spawn: async (): Promise<Incarnation> => {
      const p = await EmbeddedPostgres.start({ dataDir: join(c.dir, 'pg') });
      pg = p;
      let stopped: (exit: { code: number | null; signal: NodeJS.Signals | null }) => void = () => {};
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => (stopped = resolve));
      return {
        pid: process.pid,
        port: p.port,
        url: p.safeUrl,
        exited,
        stop: async () => {
          await p.stop();
          const exit = { code: 0, signal: null };
          stopped(exit);
          return { exit, forced: false };
        },
      };
    },
    ready: () => pg!.ready,
  };
}

/** Polls the kind's probe (probes.ts) until it says up. */
async function answers(c: StoreContext, kind: 'redis' | 'couch', i: Incarnation): Promise<void> {
  await c.until(`${kind} (pid ${i.pid}) answering`, async () => ((await probe({ name: kind, kind, pid: i.pid, port: i.port, url: i.url })).up ? true : undefined), c.readyTimeoutMs, 100);
}

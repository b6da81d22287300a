// Faults of one node, on the shared `glass start`: a worker crashed under traffic (the ops API's
// crash-worker), its embedded store child SIGKILLed under traffic, a hostile player trying to grow
// storage, and the audit log tampered, truncated and emptied behind its back.
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Checks, type CaseContext, type FaultCase } from '../case.js';
import { glassCliPath } from '../../load/targets/glass-cli.js';
import type { GlassProcess } from '../support/glass-process.js';
import { tokenFor } from '../support/keys.js';
import { pgQuery } from '../support/resources.js';
import { Talker, countLines, describeRefused } from '../support/talkers.js';
import { getJson, postJson, until } from '../support/wait.js';
import { WsPlayer } from '../support/ws-player.js';

let unique = 0;
const id = (label: string): string => `${label}-${Date.now().toString(36)}-${++unique}`;

/** Talkers in `rooms` rooms (one each), started. */
async function talkers(node: GlassProcess, label: string, rooms: number, maxLines: number): Promise<Talker[]> {
  const out: Talker[] = [];
  for (let i = 0; i < rooms; i++) {
    const p = await WsPlayer.connect(node.ws, id(`${label}-p${i}`));
    const room = id(`${label}-r${i}`);
    await p.join(room);
    out.push(new Talker(p, room, maxLines).start());
  }
  return out;
}

/** Resolves once every talker has `n` more acknowledged lines than at `marks`; the time it took. */
async function eachAcknowledges(ts: Talker[], n: number, what: string, timeoutMs = 30_000): Promise<number> {
  const marks = ts.map((t) => t.acknowledged.length);
  const t0 = performance.now();
  await until(what, () => (ts.every((t, i) => t.acknowledged.length - marks[i] >= n || t.said >= t.maxLines) ? true : undefined), timeoutMs, 20);
  return Math.round(performance.now() - t0);
}

async function finish(node: GlassProcess, ts: Talker[], checks: Checks): Promise<{ lost: number; duplicated: number }> {
  await Promise.all(ts.map((t) => t.stop()));
  const reader = await WsPlayer.connect(node.ws, id('reader'));
  try {
    const c = await countLines(reader, ts);
    checks.see(`${c.acknowledged} lines acknowledged, ${describeRefused(c.refused)}`);
    for (const t of ts) checks.check((await reader.say(t.room, `after in ${t.room}`)) === 'said', `room ${t.room} answers`);
    return c;
  } finally {
    await reader.close();
    await Promise.all(ts.map((t) => t.client.close()));
  }
}

const workerCrash: FaultCase = {
  name: 'worker-crash',
  expected: 'crash-worker under traffic: the worker is restarted, every acknowledged line is in its room afterwards, none twice, every room answers',
  async run(ctx: CaseContext) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const ts = await talkers(node, 'wc', ctx.quick ? 4 : 8, ctx.quick ? 25 : 45);
    let recoveryMs = 0;
    try {
      await eachAcknowledges(ts, 3, 'lines before the crash');
      const ops = await tokenFor(id('operator'), ['ops']);
      for (const thread of ctx.quick ? [1] : [1, 2]) {
        ctx.note(`crashing worker ${thread}`);
        const from = node.entries.length;
        const r = await postJson(`${node.http}/ops/api/actions`, ops, { action: 'crash-worker', node: node.name, thread });
        checks.check(r.status === 200 && r.body?.done === true, `crash-worker ${thread}: ${r.status}`);
        const t0 = performance.now();
        await node.waitForLog((e) => typeof e.msg === 'string' && e.msg === 'worker restarted', 20_000, from).then(
          () => checks.see(`worker ${thread} restarted`),
          () => checks.check(false, `no restart of worker ${thread} logged`),
        );
        await eachAcknowledges(ts, 2, 'lines after the crash');
        recoveryMs = Math.max(recoveryMs, Math.round(performance.now() - t0));
      }
    } finally {
      const c = await finish(node, ts, checks);
      return checks.outcome({ ...c, recoveryMs });
    }
  },
};

interface StoreCheck {
  ready: boolean;
  restarts: number;
  pid: number;
}

async function readyz(node: GlassProcess): Promise<{ status: number; store: StoreCheck }> {
  const { status, body } = await getJson(`${node.http}/readyz`);
  return { status, store: body?.checks?.store as StoreCheck };
}

const storeKilled: FaultCase = {
  name: 'store-child-killed',
  expected: 'the embedded store child SIGKILLed under traffic: /readyz 503 then 200, the store restarted, every acknowledged line kept, every room answers',
  async run(ctx) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const first = await readyz(node);
    checks.check(first.status === 200 && typeof first.store?.pid === 'number', `/readyz ${first.status} before`);
    const ts = await talkers(node, 'sk', 4, ctx.quick ? 30 : 45);
    let recoveryMs: number | null = null;
    try {
      await eachAcknowledges(ts, 3, 'lines before the kill');
      const t0 = performance.now();
      process.kill(first.store.pid, 'SIGKILL');
      ctx.note('store killed');
      const down = await until('/readyz 503', async () => {
        const r = await readyz(node);
        return r.status === 503 ? r : undefined;
      }, 10_000, 10).catch(() => null);
      checks.check(down !== null, `/readyz ${down === null ? 'never 503' : '503 while the store is down'}`);
      const up = await until('/readyz 200 again', async () => {
        const r = await readyz(node);
        return r.status === 200 ? r : undefined;
      }, 30_000, 20);
      recoveryMs = Math.round(performance.now() - t0);
      checks.check(up.store.pid !== first.store.pid && up.store.restarts >= 1, `/readyz 200 again, store restarted (${up.store.restarts})`);
      await eachAcknowledges(ts, 3, 'lines after the restart');
    } finally {
      const c = await finish(node, ts, checks);
      return checks.outcome({ ...c, recoveryMs });
    }
  },
};

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(p);
    else total += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Bound on the data directory's growth: the text budget's burst and rate (well above the lines' own bytes, for the store's overhead). */
const growthBound = (seconds: number): number => 64 * (80_000 + 10_240 * seconds) + 32 * 1024 * 1024;

const hostile: FaultCase = {
  name: 'hostile-storage',
  expected: 'a player creating rooms and saying maximal lines as fast as it can: refused by the budgets (typed), the data directory grows by a bounded number of bytes',
  async run(ctx) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const seconds = ctx.quick ? 3 : 60;
    const dataDir = join(node.dir, '.data');
    const before = await dirBytes(dataDir);
    const p = await WsPlayer.connect(node.ws, id('hoarder'));
    const codes = new Map<string, number>();
    let acknowledged = 0;
    try {
      const end = Date.now() + seconds * 1_000;
      let n = 0;
      while (Date.now() < end && p.open) {
        const room = id('hoard');
        const joined = await p.join(room, 5_000).then(() => true, (err: Error) => (codes.set(err.message.split(': ').pop()!, (codes.get(err.message.split(': ').pop()!) ?? 0) + 1), false));
        if (!joined) continue;
        for (let i = 0; i < 20 && Date.now() < end; i++) {
          const r = await p.say(room, `${++n} `.padEnd(2_000, 'h'), 5_000);
          if (r === 'said') acknowledged++;
          else codes.set(r, (codes.get(r) ?? 0) + 1);
        }
        p.send({ type: 'leave', room });
      }
    } finally {
      await p.close();
    }
    // Let pending saves land before measuring (bounded by the store's own save).
    await stillAnswers(node);
    const grown = (await dirBytes(dataDir)) - before;
    const bound = growthBound(seconds);
    checks.see(`${acknowledged} lines of 2000 characters acknowledged in ${seconds} s, ${describeRefused(Object.fromEntries(codes))}`);
    checks.check(codes.size > 0, 'the budgets refused some of it');
    checks.check(grown <= bound, `data directory grew ${grown} bytes (bound ${bound})`);
    return checks.outcome();
  },
};

async function stillAnswers(node: GlassProcess): Promise<void> {
  const r = await getJson(`${node.http}/readyz`);
  if (r.status !== 200) throw new Error(`/readyz ${r.status} after the hostile player`);
}

function verify(node: GlassProcess, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [glassCliPath(), 'audit', 'verify'], { cwd: node.dir, env: { ...node.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1, out: `${stdout}${stderr}`.trim().split('\n')[0] }),
    ),
  );
}

const auditTamper: FaultCase = {
  name: 'audit-tamper',
  expected: 'glass audit verify: intact 0; without its anchor 4; the tail truncated 3 (deleted); a row altered 3 (altered); the table emptied 3 (emptied)',
  async run(ctx) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const url = node.env.GLASS_PG_URL;
    const schema = node.env.GLASS_PG_SCHEMA;
    if (url === undefined || schema === undefined) {
      checks.check(false, 'no PostgreSQL on 127.0.0.1:5432: not run');
      return checks.outcome();
    }
    // A few real overrides, so that the chain has rows of every kind.
    const mod = await tokenFor(id('moderator'), ['moderator']);
    const room = id('audited');
    const p = await WsPlayer.connect(node.ws, id('witness'));
    await p.join(room);
    await p.close();
    for (const command of ['lock', 'unlock', 'pause', 'resume']) {
      const r = await postJson(`${node.http}/api/overrides`, mod, { room, command, reason: `audit case ${command}` });
      checks.check(r.status === 200, `${command}: ${r.status} ${r.body?.code ?? ''}`.trim());
    }
    const table = `"${schema}".glass_audit_log`;
    const steps: [string, () => Promise<unknown>, Record<string, string>, number, RegExp][] = [
      ['intact', async () => undefined, {}, 0, /./],
      ['no anchor', async () => undefined, { GLASS_AUDIT_ANCHOR_FILE: join(node.dir, 'no-such-anchor') }, 4, /unanchored/],
      ['truncated', () => pgQuery(url, `DELETE FROM ${table} WHERE id = (SELECT max(id) FROM ${table})`), {}, 3, /deleted/],
      ['altered', () => pgQuery(url, `UPDATE ${table} SET moderator = 'nobody' WHERE id = (SELECT min(id) FROM ${table})`), {}, 3, /altered/],
      ['emptied', () => pgQuery(url, `DELETE FROM ${table}`), {}, 3, /emptied/],
    ];
    for (const [label, tamper, env, code, says] of steps) {
      ctx.note(label);
      await tamper();
      const r = await verify(node, env);
      checks.check(r.code === code && says.test(r.out), `${label}: exit ${r.code} (${r.out.slice(0, 80)})`);
    }
    return checks.outcome();
  },
};

/** In run order: the audit log is tampered with last, the store killed before it. */
export const EDGE_NODE_CASES: FaultCase[] = [workerCrash, hostile, storeKilled, auditTamper];

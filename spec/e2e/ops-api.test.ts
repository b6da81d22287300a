import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { room } from '../../actors/index.js';
import type { OpsAuditEntry } from '../../clients/index.js';
import { ErrorCodes, type GlassError } from '../../runtime/index.js';
import { crasher, picky } from '../fixtures/crash-actors.js';
import { GLASS_BIN, call, eventually, startOpsNode, type OpsNode } from './ops-harness.js';
import { TestClient } from './ws-client.js';

const run = promisify(execFile);

/** Runs `glass ops …` as a separate process; resolves with its exit code and output. */
async function glassOps(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [GLASS_BIN, 'ops', ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Prometheus text format → samples by `name{labels}` (labels sorted as written). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m !== null, `malformed metrics line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

function sum(metrics: Map<string, number>, name: string, labelFilter = ''): number {
  let total = 0;
  for (const [k, v] of metrics) if ((k === name || k.startsWith(name + '{')) && k.includes(labelFilter)) total += v;
  return total;
}

describe('ops API, /metrics and `glass ops` against a real node (2 workers, uWS, embedded CouchDB)', () => {
  let ops: OpsNode;
  let opsToken: string;
  let playerToken: string;
  let modToken: string;
  const audited: OpsAuditEntry[] = [];
  let failAudit = false;
  const poisoned = 'poison-api-1';

  before(async () => {
    ops = await startOpsNode('ops-api');
    opsToken = await ops.token(['ops']);
    playerToken = await ops.token(['player'], 'alice');
    modToken = await ops.token(['moderator', 'player'], 'mod');
    ops.gateway.ops.service.setAudit(async (entry) => {
      if (failAudit) throw new Error('audit store down');
      audited.push(entry);
      return `audit-${audited.length}`;
    });
    // Some live actors on both workers, and one poison message: a restart and a quarantine.
    await Promise.all(['lobby', 'tavern', 'docks', 'gate'].map((id) => room.ref(ops.node, id).ask({ type: 'join', player: 'p1', node: ops.node.id })));
    await assert.rejects(picky.ref(ops.node, poisoned).ask({ type: 'work', n: -1 }), (err: GlassError) => err.code === ErrorCodes.QUARANTINED);
  });

  after(async () => {
    await ops?.close();
  });

  test('every ops route refuses a missing token (401) and a token without the ops role (403), and does nothing', async () => {
    for (const path of ['/ops', '/ops/api/view', '/ops/api/top', '/ops/api/search?q=lobby', '/metrics', '/ops/api/drain-preview?node=ops-api']) {
      const none = await call(ops.base, path, null);
      assert.equal(none.status, 401, path);
      assert.equal(none.body.code, 'GLASS_ERR_TOKEN_MISSING', path);
      for (const token of [playerToken, modToken]) {
        const r = await call(ops.base, path, token);
        assert.equal(r.status, 403, path);
        assert.equal(r.body.code, 'GLASS_ERR_FORBIDDEN', path);
      }
    }
    const forged = await call(ops.base, '/ops/api/view', opsToken.slice(0, -4) + 'AAAA');
    assert.equal(forged.status, 401);
    const before = audited.length;
    for (const token of [null, playerToken, modToken]) {
      const r = await call(ops.base, '/ops/api/actions', token, { action: 'passivate', kind: 'room', id: 'lobby' });
      assert.equal(r.status, token === null ? 401 : 403);
    }
    assert.equal(audited.length, before, 'refused actions are not audited');
    const found = await call(ops.base, '/ops/api/search?q=lobby', opsToken);
    assert.equal(found.body.actors[0].status, 'active', 'lobby was not passivated by a refused action');
    // The live feed refuses the upgrade the same way.
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ops.gateway.port}/ops/ws?token=${playerToken}`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    assert.equal(status, 403);
  });

  test('invalid actions are refused with 400 before they reach the audit log', async () => {
    const before = audited.length;
    for (const body of [{ action: 'explode' }, { action: 'passivate', kind: 'room' }, { action: 'drain-worker', node: 'ops-api', thread: 0 }, { action: 'redrive', node: 'ops-api', quarantineId: '../x' }, { action: 'passivate', kind: 'room', id: 'a', extra: 1 }]) {
      const r = await call(ops.base, '/ops/api/actions', opsToken, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.code, 'GLASS_ERR_OPS_INVALID_REQUEST');
    }
    assert.equal(audited.length, before);
  });

  test('the view shows the node, its workers, kinds with statuses, the restarted actor and the quarantined message', async () => {
    const view = (await call(ops.base, '/ops/api/view', opsToken)).body;
    assert.equal(view.via, 'ops-api');
    assert.deepEqual(view.missing, []);
    const [n] = view.nodes;
    assert.equal(n.node, 'ops-api');
    assert.equal(n.workers.length, 2);
    assert.ok(n.workers.every((w: any) => w.status === 'running' && w.sample !== null));
    assert.ok(n.process.memory.rss > 0 && n.process.cores > 0);
    const rooms = n.workers.flatMap((w: any) => w.sample.kinds.filter((k: any) => k.kind === 'room'));
    assert.equal(rooms.reduce((s: number, k: any) => s + k.count, 0), 4);
    const thread = ops.node.threadOf(poisoned);
    const worker = n.workers.find((w: any) => w.thread === thread).sample;
    const notable = worker.notable.find((a: any) => a.id === poisoned);
    assert.ok(notable.restarts >= 1, 'the poison message restarted its actor');
    assert.equal(notable.lastFailure.messageType, 'work');
    assert.match(notable.lastFailure.message, /cannot work on -1/);
    assert.equal(n.quarantine.size, 1);
    assert.equal(n.quarantine.latest[0].to, `picky:${poisoned}`);
    assert.deepEqual(n.signals.map((s: any) => s.id), ['sessions-per-worker', 'turn-latency-p95', 'command-backlog', 'cpu', 'gm-queue-depth', 'world-budget-use', 'search-changes-lag', 'workflow-lag-p95', 'workflows-per-core', 'workflows-per-hour']);
  });

  test('an ops action is audited first, carried out, and refused (not carried out) when the audit log fails', async () => {
    await room.ref(ops.node, 'cellar').ask({ type: 'join', player: 'p2', node: ops.node.id });
    failAudit = true;
    const refused = await call(ops.base, '/ops/api/actions', opsToken, { action: 'passivate', kind: 'room', id: 'cellar' });
    failAudit = false;
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'GLASS_ERR_OPS_AUDIT_FAILED');
    assert.equal((await call(ops.base, '/ops/api/search?q=cellar', opsToken)).body.actors.length, 1, 'still active');

    const done = await call(ops.base, '/ops/api/actions', opsToken, { action: 'passivate', kind: 'room', id: 'cellar' });
    assert.equal(done.status, 200);
    assert.deepEqual({ ...done.body, detail: undefined }, { action: 'passivate', node: 'ops-api', done: true, auditRef: `audit-${audited.length}`, detail: undefined });
    const entry = audited.at(-1)!;
    assert.equal(entry.type, 'ops-action');
    assert.equal(entry.action, 'passivate');
    assert.deepEqual(entry.operator, { player: 'op', character: 'op-c', roles: ['ops'] });
    assert.deepEqual(entry.target, { kind: 'room', id: 'cellar', node: 'ops-api' });
    assert.equal((await call(ops.base, '/ops/api/search?q=cellar', opsToken)).body.actors.length, 0, 'passivated');
  });

  test('narrative turns through the gateway feed the turn-latency signal and histogram', async () => {
    const teller = await TestClient.connectWith(`ws://127.0.0.1:${ops.gateway.port}/ws`, 'teller', await ops.token(['player'], 'teller'));
    try {
      teller.send({ type: 'join-session', session: 'saga-ops', ref: 'j' });
      await teller.next('session-joined', (f) => f.ref === 'j');
      // One at a time: the signal reads turns once committed (acceptance to commit, queue wait included).
      for (let i = 1; i <= 3; i++) {
        teller.send({ type: 'turn', session: 'saga-ops', text: `turn ${i}`, ref: `t${i}` });
        assert.equal((await teller.next('turn-accepted', (f) => f.ref === `t${i}`)).turn, i);
        await teller.next('turn-committed', (f) => f.turn === i, 20_000);
      }
    } finally {
      await teller.close();
    }
    const m = parseMetrics((await call(ops.base, '/metrics', opsToken)).text);
    assert.equal(sum(m, 'glass_narrative_turn_seconds_count'), 3);
    // The view is sampled about once a second: the next sample has the turns.
    const signal = await eventually(async () => {
      const view = await call(ops.base, '/ops/api/view', opsToken);
      const found = view.body.nodes[0].signals.find((s: any) => s.id === 'turn-latency-p95');
      return typeof found.value === 'number' ? found : undefined;
    }, 'the turn-latency signal to have a value');
    // A measurement, not a speed check (that is bench/'s): positive, and no larger than the three
    // turns' total the gateway's histogram saw (the signal's span is inside the gateway's).
    const total = sum(m, 'glass_narrative_turn_seconds_sum');
    assert.ok(signal.value > 0 && signal.value <= total, `p95 ${signal.value} s of ${total} s over 3 turns`);
    assert.equal(signal.threshold, 2.5, "the seed's turn budget");
  });

  test('/metrics is Prometheus text with mailbox depth, message counts per hop, restarts, activation latency and the signals', async () => {
    const r = await call(ops.base, '/metrics', opsToken);
    assert.equal(r.status, 200);
    const m = parseMetrics(r.text);
    assert.ok(sum(m, 'glass_messages_total', 'hop="worker"') >= 6, 'handled messages counted');
    assert.ok(sum(m, 'glass_actors', 'kind="room"') >= 4);
    assert.ok([...m.keys()].some((k) => k.startsWith('glass_mailbox_depth{') && k.includes('kind="room"')));
    assert.ok(sum(m, 'glass_actor_restarts', 'kind="picky"') >= 1);
    assert.equal(sum(m, 'glass_quarantined_total'), 1);
    assert.ok(sum(m, 'glass_activation_seconds_count') >= 5, `activations observed: ${r.text.split('\n').filter((l) => l.includes('activation_seconds_count')).join(' ')}`);
    assert.equal(m.get('glass_scaling_signal_threshold{node="ops-api",signal="command-backlog"}') ?? m.get('glass_scaling_signal_threshold{signal="command-backlog",node="ops-api"}'), 200);
    assert.ok([...m.keys()].some((k) => k.startsWith('glass_scaling_signal{') && k.includes('signal="cpu"')));
    assert.ok([...m.keys()].some((k) => k.startsWith('glass_scaling_signal{') && k.includes('signal="workflows-per-hour"')), 'the Temporal signals are in /metrics');
    assert.ok([...m.keys()].some((k) => k.startsWith('glass_event_loop_delay_seconds{')));
    assert.ok(m.has('process_cpu_user_seconds_total{node="ops-api"}'), 'default process metrics');
  });

  test('`glass ops tree` prints the trees with the restarted actor and the quarantine, from the same key as `glass token`', async () => {
    const out = await glassOps(['tree', '--url', ops.base], ops.env);
    assert.equal(out.code, 0, out.stderr);
    const text = out.stdout;
    assert.match(text, /^cluster via ops-api at \d\d:\d\d:\d\d — 1 node\n/);
    assert.match(text, /└─ node ops-api \(single\) · cpu \d+% of \d+ cores/);
    assert.match(text, /├─ worker 1 · running · restarts 0 · \d+ actors/);
    assert.match(text, /worker 2 · running/);
    assert.match(text, /room ×\d+ · active \d+/);
    assert.match(text, new RegExp(`! picky:${poisoned} · active · restarts [1-9]\\d* · mailbox 0 · [\\d.]+ msg/s · failure "cannot work on -1" on work`));
    assert.match(text, /quarantine: 1\n.*→ picky:poison-api-1 work "cannot work on -1" ×2/);
    assert.match(text, /Command backlog \d+\/200 ok/);
    assert.ok(!text.includes(ops.env.GLASS_TOKEN_SECRET!), 'no secret in the output');
  });

  test('`glass ops top` sorts by restarts or mailbox; actions are refused without the ops role; usage errors exit 2', async () => {
    const top = await glassOps(['top', '--url', ops.base, '--sort', 'restarts', '--frames', '1'], ops.env);
    assert.equal(top.code, 0, top.stderr);
    const lines = top.stdout.split('\n');
    assert.match(lines[0], /^glass ops top — by restarts — /);
    assert.match(lines[2], /^NODE\s+W ACTOR\s+STATUS\s+RESTARTS\s+MAILBOX\s+MSG\/S\s+LAST FAILURE$/);
    assert.match(lines[3], new RegExp(`^ops-api\\s+\\d picky:${poisoned}\\s+active\\s+[1-9]\\d*\\s+0\\s+[\\d.]+\\s+cannot work on -1$`));
    const byMailbox = await glassOps(['top', '--url', ops.base, '--frames', '1'], ops.env);
    assert.match(byMailbox.stdout, /\(no actor with a waiting message\)/);

    const forbidden = await glassOps(['passivate', 'room', 'lobby', '--url', ops.base], { ...ops.env, GLASS_OPS_TOKEN: playerToken });
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /GLASS_ERR_FORBIDDEN/);
    assert.ok(!forbidden.stderr.includes(playerToken), 'the token is not echoed');
    const usage = await glassOps(['top', '--sort', 'age', '--url', ops.base], ops.env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--sort must be mailbox or restarts/);
  });

  test('re-drive through `glass ops` sends the quarantined message again once the bug is fixed', async () => {
    const view = (await call(ops.base, '/ops/api/view', opsToken)).body;
    const entry = view.nodes[0].quarantine.latest[0];
    // `fix` goes to an actor on the poisoned actor's worker: the bug is per worker.
    const [fixer] = Array.from({ length: 200 }, (_, i) => `fixer-${i}`).filter((id) => ops.node.threadOf(id) === ops.node.threadOf(poisoned));
    await picky.ref(ops.node, fixer).ask({ type: 'fix' });
    const out = await glassOps(['redrive', 'ops-api', entry.id, '--url', ops.base], ops.env);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^redrive on ops-api: done \(audit audit-\d+\)/);
    const done = await eventually(async () => {
      const list = (await picky.ref(ops.node, poisoned).ask({ type: 'done' })) as number[];
      return list.includes(-1) ? list : undefined;
    }, 're-driven message handled');
    assert.deepEqual(done, [-1]);
    assert.equal(ops.node.quarantine.size, 0);
    void crasher;
  });
});

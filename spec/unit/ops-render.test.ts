import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpsService, SignalTracker, renderTop, renderTree, type ClusterView, type NodeReport } from '../../clients/index.js';

const AT = Date.UTC(2030, 0, 1, 12, 0, 5);
const actor = (id: string, over: Record<string, unknown> = {}) => ({
  kind: 'room', id, status: 'active', mailbox: 0, failures: 0, handled: 10, restarts: 0, lastFailure: null, idleMs: 0, parent: null, children: 0, epoch: 1, unsaved: false, rate: 2, ...over,
}) as any;

function report(node: string): NodeReport {
  const flaky = actor('flaky', { status: 'backing-off', restarts: 3, mailbox: 7, lastFailure: { messageType: 'say', message: 'boom', at: AT } });
  return {
    node, at: AT, mode: 'cluster', members: ['n1', 'n2'],
    process: { at: AT, cpu: 0.25, cores: 2, memory: { rss: 104857600, heapUsed: 52428800, heapTotal: 0, external: 0 }, eventLoopDelayMs: { p50: 1, p99: 2.5, max: 3 }, uptimeMs: 1 },
    workers: [
      { thread: 1, status: 'running', restarts: 0, lastExit: null, sample: { thread: 1, at: AT, actors: 2, processed: 5, mailboxTotal: 7, pendingAsks: 0, rate: 4, utilization: 0.1, eventLoopDelayMs: { p50: 0.5, p99: 1, max: 1 },
        kinds: [{ kind: 'room', count: 2, byStatus: { active: 1, 'backing-off': 1 }, mailbox: 7, restarts: 3, failures: 3, rate: 4, lastFailure: { messageType: 'say', message: 'boom', at: AT, actor: 'room:flaky' } }],
        notable: [flaky], topMailbox: [flaky], topRestarts: [flaky] } },
      { thread: 2, status: 'backing-off', restarts: 1, lastExit: { code: 1, error: 'oom', at: AT }, sample: null },
    ],
    quarantine: { size: 1, dropped: 0, latest: [{ node, id: '1-1', to: 'room:flaky', from: null, messageType: 'say', error: 'boom', attempts: 3, at: AT, preview: '{}' }] },
    stream: null,
    signals: new SignalTracker().evaluate({ workers: [], turnLatencyP95: null, queuedRemote: 0, cpu: 0.25 }, AT),
  };
}

const view: ClusterView = { at: AT, via: 'n1', nodes: [report('n1')], missing: ['n2'] };

test('glass ops tree: nodes → workers → kinds → actors that need attention, then quarantine and signals', () => {
  const text = renderTree(view);
  assert.equal(text.split('\n').slice(0, 7).join('\n'), [
    'cluster via n1 at 12:00:05 — 1 node, no report from n2',
    '└─ node n1 (cluster) · cpu 25% of 2 cores · rss 100.0 MiB · heap 50.0 MiB · loop p99 2.5 ms · 2 actors',
    '   ├─ worker 1 · running · restarts 0 · 2 actors · mailbox 7 · 4.0 msg/s · busy 10% · loop p99 1.0 ms',
    '   │  └─ room ×2 · active 1, backing-off 1 · restarts 3 · mailbox 7 · 4.0 msg/s · last failure "boom" on say at 12:00:05 (room:flaky)',
    '   │     └─ ! room:flaky · backing-off · restarts 3 · mailbox 7 · 2.0 msg/s · failure "boom" on say at 12:00:05',
    '   ├─ worker 2 · backing-off · restarts 1 · last exit 1 (oom) at 12:00:05 · down',
    '   ├─ quarantine: 1',
  ].join('\n'));
  assert.match(text, /│  └─ 1-1 → room:flaky say "boom" ×3 at 12:00:05/);
  assert.match(text, /└─ signals\n.*Active sessions per worker 0\/40 ok\n.*p95 narrative turn latency –\/2.5 s ok\n.*Command backlog 0\/200 ok\n.*CPU 25%\/70% ok\n.*Sessions waiting in the human GM queue –\/0 ok\n.*Highest share of a world's weekly budget spent –\/85% ok\n/);
  assert.match(text, /├─ p95 workflow start lag \(telemetry\.temporal\.workflowLag\) –\/5\.0 s ok\n.*Active workflows per core –\/20 ok\n.*Workflows started in the last hour –\/150 ok\n$/);
});

test('glass ops top: the rows sorted as asked, aligned, then each node and its signals', () => {
  const rows = OpsService.top(view, 'restarts');
  assert.deepEqual(rows.map((r) => [r.node, r.thread, r.id]), [['n1', 1, 'flaky']]);
  const lines = renderTop(view, rows, 'restarts', 120).split('\n');
  assert.equal(lines[0], 'glass ops top — by restarts — 12:00:05 via n1 — 1 node');
  assert.equal(lines[2], 'NODE             W ACTOR                                STATUS        RESTARTS  MAILBOX    MSG/S   LAST FAILURE');
  assert.equal(lines[3], 'n1               1 room:flaky                           backing-off          3        7      2.0   boom');
  assert.match(lines[5], /^node n1 \(cluster\) · cpu 25%.* · quarantine 1$/);
  assert.match(renderTop(view, [], 'mailbox'), /\(no actor with a waiting message\)/);
});

import { mock, test } from 'node:test';
import os from 'node:os';
import { syncBuiltinESMExports } from 'node:module';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import { HASHRING_PLACEMENT, WORKER_SUPERVISOR } from '../../cluster/worker-modules.js';
import { ErrorCodes, InvalidOptionError } from '../../runtime/index.js';
import { startNode, type NodeOptions } from '../../runtime/node/index.js';
import { resolveNodeOptions } from '../../runtime/node/node-options.js';

const STORE = { module: 'file:///store.js', export: 'createStore' };
const VALID: NodeOptions = { actorModules: ['file:///actors.js'], placement: HASHRING_PLACEMENT, supervisor: WORKER_SUPERVISOR, nodeId: 'n1', workers: 2 };

interface Case {
  name: string;
  /** The option the error must name: `options.<option> …`. */
  option: string;
  run: () => unknown;
}

function node(name: string, option: string, overrides: Record<string, unknown>): Case {
  return { name: `node: ${name}`, option, run: () => resolveNodeOptions({ ...VALID, ...overrides } as NodeOptions, STORE) };
}

function actor(name: string, option: string, overrides: Record<string, unknown>): Case {
  const spec = { kind: 'probe', initialState: () => ({}), handlers: { ping: () => 'pong' }, ...overrides };
  return { name: `actor: ${name}`, option, run: () => defineActor(spec as Parameters<typeof defineActor>[0]) };
}

const CASES: Case[] = [
  node('nodeId with a space', 'nodeId', { nodeId: 'my node' }),
  node('empty nodeId', 'nodeId', { nodeId: '' }),
  node('nodeId too long', 'nodeId', { nodeId: 'n'.repeat(65) }),
  node('nodeId not a string', 'nodeId', { nodeId: 42 }),
  node('actorModules missing', 'actorModules', { actorModules: undefined }),
  node('actorModules empty', 'actorModules', { actorModules: [] }),
  node('actorModules with a non-string', 'actorModules', { actorModules: ['file:///a.js', 7] }),
  node('workers zero', 'workers', { workers: 0 }),
  node('workers fractional', 'workers', { workers: 1.5 }),
  node('workers above 256', 'workers', { workers: 257 }),
  node('workers as a string', 'workers', { workers: '2' }),
  node('idleAfterMs zero', 'idleAfterMs', { idleAfterMs: 0 }),
  node('idleAfterMs negative', 'idleAfterMs', { idleAfterMs: -5 }),
  node('idleAfterMs Infinity', 'idleAfterMs', { idleAfterMs: Infinity }),
  node('sweepIntervalMs zero', 'sweepIntervalMs', { sweepIntervalMs: 0 }),
  node('askTimeoutMs fractional', 'askTimeoutMs', { askTimeoutMs: 0.5 }),
  node('askTimeoutMs beyond a timer', 'askTimeoutMs', { askTimeoutMs: 2 ** 31 }),
  node('maxBatch zero', 'maxBatch', { maxBatch: 0 }),
  node('maxBatch above 65536', 'maxBatch', { maxBatch: 65_537 }),
  node('logLevel unknown', 'logLevel', { logLevel: 'loud' }),
  node('pinnedKinds not an array', 'pinnedKinds', { pinnedKinds: 'gateway' }),
  node('pinnedKinds with a non-string', 'pinnedKinds', { pinnedKinds: ['gateway', 1] }),
  node('placement missing', 'placement', { placement: undefined }),
  node('placement without export', 'placement', { supervisor: { module: new URL('../../supervisors/worker-supervisor.js', import.meta.url).href, export: 'createWorkerSupervisor' }, placement: { module: 'file:///p.js' } }),
  node('store not a module reference', 'store', { store: 'memory' }),
  node('spareWorker not a boolean', 'spareWorker', { spareWorker: 'yes' }),
  actor('kind with capitals', 'kind', { kind: 'Probe' }),
  actor('kind empty', 'kind', { kind: '' }),
  actor('kind with a colon', 'kind', { kind: 'a:b' }),
  actor('kind not a string', 'kind', { kind: 3 }),
  actor('initialState not a function', 'initialState', { initialState: {} }),
  actor('handlers missing', 'handlers', { handlers: undefined }),
  actor('a handler that is not a function', 'handlers.ping', { handlers: { ping: 'pong' } }),
  actor('mailbox capacity zero', 'mailbox.capacity', { mailbox: { capacity: 0 } }),
  actor('mailbox capacity fractional', 'mailbox.capacity', { mailbox: { capacity: 2.5 } }),
  actor('mailbox capacity above 2^20', 'mailbox.capacity', { mailbox: { capacity: 2 ** 20 + 1 } }),
  actor('mailbox overflow unknown', 'mailbox.overflow', { mailbox: { overflow: 'drop-newest' } }),
  actor('idleAfterMs zero', 'idleAfterMs', { idleAfterMs: 0 }),
  actor('idleAfterMs fractional', 'idleAfterMs', { idleAfterMs: 10.5 }),
  actor('idleAfterMs as a string', 'idleAfterMs', { idleAfterMs: '100' }),
];

test('every bad node or actor option is refused with GLASS_ERR_INVALID_OPTION and a message naming the option', () => {
  for (const c of CASES) {
    assert.throws(
      c.run,
      (err: unknown) => {
        assert.ok(err instanceof InvalidOptionError, `${c.name}: ${String(err)}`);
        assert.equal(err.code, ErrorCodes.INVALID_OPTION, c.name);
        assert.equal(err.details?.option, c.option, c.name);
        assert.ok(err.message.startsWith(`options.${c.option} must be `), `${c.name}: ${err.message}`);
        return true;
      },
      c.name,
    );
  }
});

test('valid options resolve, with defaults filled in', () => {
  const resolved = resolveNodeOptions(VALID, STORE);
  assert.equal(resolved.nodeId, 'n1');
  assert.equal(resolved.workers, 2);
  assert.deepEqual(resolved.store, STORE);
  assert.equal(resolved.idleAfterMs, 300_000);
  assert.equal(resolved.sweepIntervalMs, 30_000);
  assert.equal(resolved.askTimeoutMs, 5_000);
  assert.equal(resolved.maxBatch, 1024);
  assert.equal(resolved.logLevel, 'info');
  assert.equal(resolved.spareWorker, true, 'a spare worker thread by default');
  assert.deepEqual(resolved.pinnedKinds, ['gateway', 'glass-node'], 'the node endpoint is always pinned');
  assert.equal(resolveNodeOptions({ ...VALID, idleAfterMs: 40 }, STORE).sweepIntervalMs, 10);
  assert.equal(resolveNodeOptions({ ...VALID, idleAfterMs: 1 }, STORE).sweepIntervalMs, 1);
  assert.match(resolveNodeOptions({ ...VALID, nodeId: undefined }, STORE).nodeId, /^[A-Za-z0-9._-]{1,64}$/);
});

test('startNode rejects bad options before starting any worker', async () => {
  const cases: [string, Record<string, unknown>][] = [
    ['workers', { workers: 0 }],
    ['actorModules', { actorModules: [] }],
    ['logLevel', { logLevel: 'chatty' }],
  ];
  for (const [option, overrides] of cases) {
    await assert.rejects(startNode({ ...VALID, ...overrides } as NodeOptions), (err: unknown) => {
      assert.ok(err instanceof InvalidOptionError, option);
      assert.equal(err.details?.option, option);
      assert.match(err.message, new RegExp(`^options\\.${option} `));
      return true;
    });
  }
  await assert.rejects(startNode(null as unknown as NodeOptions), { code: ErrorCodes.INVALID_OPTION });
});

test('startNode rejects a placement module without the named export', async () => {
  const placement = { module: HASHRING_PLACEMENT.module, export: 'noSuchFactory' };
  await assert.rejects(startNode({ ...VALID, placement }), (err: unknown) => {
    assert.ok(err instanceof InvalidOptionError);
    assert.equal(err.details?.option, 'placement');
    assert.match(err.message, /noSuchFactory/);
    return true;
  });
});

test('the default nodeId fits the nodeId rule whatever the host is called', (t) => {
  t.after(() => {
    mock.restoreAll();
    syncBuiltinESMExports();
  });
  for (const name of ['web-1', 'p'.repeat(63), 'host.example.com', 'ünïcode host']) {
    mock.method(os, 'hostname', () => name);
    syncBuiltinESMExports();
    const { nodeId } = resolveNodeOptions({ ...VALID, nodeId: undefined }, STORE);
    assert.match(nodeId, /^[A-Za-z0-9._-]{1,64}$/, name);
    assert.ok(nodeId.endsWith(`-${process.pid}`), nodeId);
  }
});

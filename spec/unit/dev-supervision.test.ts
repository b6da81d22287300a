// glass dev's supervision of one service, on real processes (sleep, sh) rather than the topology's
// (the end-to-end test does those): the restart intensity, a SIGKILLed service restarted with a new
// pid, one that keeps dying given up on (failed), a pending restart called off by a stop, a stop
// that has to SIGKILL a group ignoring SIGTERM, and the tether: a supervisor SIGKILLed takes its
// services along; and what status shows of it (restarts, failed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { until } from '../../bench/faults/support/wait.js';
import { ChildService, childIncarnation } from '../../bin/commands/dev/child-service.js';
import type { DevEventInput } from '../../bin/commands/dev/dev-events.js';
import { requireBinary } from '../../bin/commands/dev/edge-services.js';
import { RestartIntensity } from '../../bin/commands/dev/restart-intensity.js';
import { probe } from '../../bin/commands/dev/probes.js';
import { pidAlive, type DevTopology } from '../../bin/commands/dev/state-file.js';
import { describeTopology } from '../../bin/commands/dev/topology-table.js';
import { SupervisedService, type ServiceDef } from '../../bin/commands/dev/supervised-service.js';

const setpriv = requireBinary('setpriv', process.env, 'the tether');
const dir = mkdtempSync(join(tmpdir(), 'glass-dev-supervision-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A service that runs `sh -c script`, ready at once. */
function shDef(name: string, script: string, graceMs = 2_000): ServiceDef {
  return {
    name,
    kind: 'node',
    tier: 1,
    graceMs,
    restartable: true,
    spawn: async () => childIncarnation(new ChildService(name, '/bin/sh', ['-c', script], { env: { PATH: process.env.PATH ?? '' }, cwd: dir, log: join(dir, `${name}.log`), setpriv }), 0, ''),
    ready: async () => {},
  };
}

function supervised(def: ServiceDef, limit = { maxRestarts: 3, periodMs: 60_000 }, minMs = 1): { service: SupervisedService; events: DevEventInput[] } {
  const events: DevEventInput[] = [];
  const service = new SupervisedService(def, { limit, backoff: { minMs, maxMs: minMs * 4, randomFactor: 0 }, record: (e) => events.push(e), changed: () => {} });
  return { service, events };
}

describe('RestartIntensity: at most maxRestarts within any period', () => {
  test('the restart past the limit is refused; once the old ones leave the period, restarts are admitted again', () => {
    const i = new RestartIntensity({ maxRestarts: 2, periodMs: 1_000 });
    assert.equal(i.admit(0), true);
    assert.equal(i.admit(400), true);
    assert.equal(i.admit(900), false, 'a third within 1 s');
    assert.equal(i.admit(1_000), true, 'the one at 0 has left the period');
    assert.equal(i.admit(1_100), false);
    assert.equal(new RestartIntensity({ maxRestarts: 0, periodMs: 1_000 }).admit(0), false, 'maxRestarts 0: never restarted');
  });
});

describe('SupervisedService on real processes', () => {
  test('SIGKILLed, it is restarted with a new pid, the exit and the restart recorded', async () => {
    const { service, events } = supervised(shDef('sleeper', 'exec sleep 600'));
    await service.start();
    const first = service.current!.pid;
    assert.ok(pidAlive(first));
    process.kill(first, 'SIGKILL');
    await until('the restart', () => (service.state === 'up' && service.current!.pid !== first ? true : undefined), 10_000);
    assert.equal(service.restarts, 1);
    assert.ok(pidAlive(service.current!.pid));
    assert.deepEqual(events.map((e) => e.event), ['started', 'exited', 'restarting', 'restarted']);
    assert.equal(events[1].signal, 'SIGKILL');
    await service.stop();
    assert.equal(pidAlive(service.current!.pid), false);
    assert.deepEqual(events.slice(-2).map((e) => e.event), ['stopping', 'stopped']);
  });

  test('one that keeps dying is given up on past its limit: failed, and stays down', async () => {
    const { service, events } = supervised(shDef('crasher', 'exit 3'), { maxRestarts: 2, periodMs: 60_000 });
    await service.start().catch(() => {});
    await until('the supervisor to give up', () => (service.state === 'failed' ? true : undefined), 10_000);
    assert.equal(service.restarts, 2);
    const kinds = events.map((e) => e.event);
    assert.equal(kinds.at(-1), 'failed');
    assert.equal(kinds.filter((k) => k === 'restarting').length, 2);
    assert.match(events.at(-1)!.reason!, /more than 2 restarts within 60 s/);
    await service.stop();
    assert.equal(events.at(-1)!.event, 'stopped');
  });

  test('a stop while a restart waits out its backoff calls the restart off', async () => {
    const { service, events } = supervised(shDef('waiter', 'exec sleep 600'), undefined, 60_000);
    await service.start();
    process.kill(service.current!.pid, 'SIGKILL');
    await until('the restart to be pending', () => (service.state === 'restarting' ? true : undefined), 10_000);
    await service.stop();
    assert.equal(service.state, 'stopped');
    assert.deepEqual(events.map((e) => e.event), ['started', 'exited', 'restarting', 'stopping', 'stopped']);
  });

  test('a group that ignores SIGTERM is SIGKILLed past its grace period, what it started included', async () => {
    // sh ignores SIGTERM and so does the sleep it starts (an ignored signal stays ignored across exec).
    const { service, events } = supervised(shDef('stubborn', 'trap "" TERM; sleep 600 & echo $! > stubborn.child; wait', 300));
    await service.start();
    const grandchild = await until('the sleep to start', () => {
      try {
        return Number(readFileSync(join(dir, 'stubborn.child'), 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    }, 5_000);
    await service.stop();
    const stopped = events.at(-1)!;
    assert.equal(stopped.event, 'stopped');
    assert.equal(stopped.forced, true);
    assert.equal(stopped.signal, 'SIGKILL');
    await until('the sleep it started gone too', () => (pidAlive(grandchild) ? undefined : true), 5_000);
  });
});

describe('the tether: a supervisor that dies by SIGKILL takes its services along', () => {
  test('a process started through spawnTethered is killed by the kernel when its parent is', async () => {
    const tether = fileURLToPath(new URL('../../bin/commands/dev/tether.js', import.meta.url));
    const script = `import { spawnTethered } from ${JSON.stringify(tether)};
const c = spawnTethered('sleep', ['600'], { env: process.env, cwd: process.cwd(), stdio: 'ignore', setpriv: ${JSON.stringify(setpriv)} });
process.stdout.write(String(c.pid) + '\\n');
setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim()))));
    assert.ok(pidAlive(pid), 'the tethered sleep runs');
    // setpriv sets the parent-death signal and then execs: only once the pid is `sleep` is the tie in
    // place (a parent killed before that, under load, would leave it untied — the tether's one window).
    await until('setpriv has exec\'d sleep', () => (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep' ? true : undefined), 5_000);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp session ...".
    const [, , pgid, sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    assert.equal(pgid, pid, 'a process group of its own');
    assert.equal(sid, pid, 'and a session');
    parent.kill('SIGKILL');
    await until('the tethered sleep gone', () => (pidAlive(pid) ? undefined : true), 5_000);
  });
});

describe('what status shows of the supervision', () => {
  test('a failed or restarting service is down without a probe; the table has each one\'s restarts, "-" for one from outside', async () => {
    const base = { kind: 'node' as const, pid: process.pid, port: 1, url: 'http://127.0.0.1:1' };
    assert.deepEqual(await probe({ ...base, name: 'node-0', restarts: 5, state: 'failed' }), { up: false, detail: 'failed: given up after 5 restarts' });
    assert.deepEqual(await probe({ ...base, name: 'node-1', restarts: 2, state: 'restarting' }), { up: false, detail: 'restarting (restart 2)' });
    const state: DevTopology = {
      version: 1,
      dir: '/d',
      supervisor: process.pid,
      startedAt: '',
      readyAt: '',
      cluster: 'c',
      edge: { port: 1, app: 'https://127.0.0.1:1/app/', ws: 'wss://127.0.0.1:1/ws' },
      services: [
        { name: 'redis', kind: 'redis', pid: 0, port: 6379, url: 'redis://127.0.0.1:6379' },
        { ...base, name: 'node-0', restarts: 5, state: 'failed' },
      ],
      env: { GLASS_TOKEN_PRIVATE_KEY_FILE: '/d/k' },
    };
    const lines = describeTopology(state).split('\n');
    assert.match(lines[0], /^SERVICE\s+PID\s+RESTARTS\s+URL$/);
    assert.match(lines[1], /^redis\s+\(outside\)\s+-\s+redis:/);
    assert.match(lines[2], new RegExp(`^node-0\\s+${process.pid}\\s+5\\s+http:`));
  });
});

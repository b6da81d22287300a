// `glass dev up|status|down` for real: the local topology from this machine's packages (its own
// redis-server, the embedded CouchDB-protocol server and PostgreSQL, two `glass start` nodes, Debian's
// Caddy in front, Prometheus when installed) started detached, seen up by `status --json`, reached
// through Caddy (/healthz, and a player on /ws with a token from `glass token` and the topology's key),
// a node SIGKILLed and restarted by the supervisor on its port (back behind Caddy), and stopped by
// `down`: in reverse dependency order, every process gone, the state file removed, `status` exit 3.
// Then a foreground `glass dev up` as a terminal runs it (a job in a process group of its own) and
// Ctrl-C on that group: the supervisor alone gets the SIGINT and stops the services in order. Last, a
// supervisor SIGKILLed: its services die with it (the tether), none is left.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { until } from '../../bench/faults/support/wait.js';
import { UsageError } from '../../bin/cli-args.js';
import { parseDev, type DevArgs } from '../../bin/commands/dev.js';
import { DevError, DevErrors } from '../../bin/commands/dev/dev-errors.js';
import { requireBinary } from '../../bin/commands/dev/edge-services.js';
import { runSupervisor } from '../../bin/commands/dev/supervisor.js';
import { readEvents, type DevEvent } from '../../bin/commands/dev/dev-events.js';
import { pidAlive, readState, statePath, type DevTopology } from '../../bin/commands/dev/state-file.js';
import { httpGet } from '../../bin/commands/dev/probes.js';
import { GlassClient, type WebSocketConstructor } from '../../clients/sdk/index.js';

const CADDY = '/usr/bin/caddy';
const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));
const skip = existsSync(CADDY) ? false : `${CADDY} is not installed (apt-get install caddy)`;
const withPrometheus = existsSync('/usr/bin/prometheus');

/** The caller's services must not leak into the topology: it starts its own. */
function ownEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['REDIS_URL', 'COUCHDB_URL', 'GLASS_PG_URL', 'DATABASE_URL', 'GLASS_TOKEN_PRIVATE_KEY_FILE', 'GLASS_TOKEN_PUBLIC_KEY_FILE']) delete env[name];
  return { ...env, ...extra };
}

function glass(args: string[], env: NodeJS.ProcessEnv = ownEnv()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GLASS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `ws` through the edge: Caddy's internal CA is not verified, for this test only. */
const EdgeSocket = class extends WebSocket {
  constructor(url: string) {
    super(url, { rejectUnauthorized: false, perMessageDeflate: false });
  }
} as unknown as WebSocketConstructor;

describe('glass dev: usage errors and a missing Caddy are refused before anything starts', () => {
  test('bad arguments are UsageErrors; from a shell: exit 2, one line, nothing on stdout', async () => {
    for (const args of [[], ['sideways'], ['up', '--nodes', '0'], ['up', '--nodes', '9'], ['up', '--edge-port', '70000'], ['up', '--workers', 'x'], ['up', '--bogus'], ['up', 'extra'], ['status', '--dir', ''], ['status', '--nodes', '2'], ['down', 'extra'], ['down', '--timeout-ms', '5'], ['up', '--max-restarts', '-1'], ['up', '--max-restarts', '1001'], ['up', '--restart-period', '0']]) {
      assert.throws(() => parseDev(args), UsageError, args.join(' '));
    }
    assert.deepEqual(parseDev(['status']), { command: 'status', dir: resolve('.data/dev'), json: false });
    const up = parseDev(['up', '--max-restarts', '0', '--restart-period', '60']) as Extract<DevArgs, { command: 'up' }>;
    assert.deepEqual(up.options.restartLimit, { maxRestarts: 0, periodMs: 60_000 });
    assert.deepEqual(up.upArgs.slice(-4), ['--max-restarts', '0', '--restart-period', '60'], 'the detached supervisor is started with the same limit');
    assert.deepEqual((parseDev(['up']) as Extract<DevArgs, { command: 'up' }>).options.restartLimit, { maxRestarts: 5, periodMs: 300_000 });
    const r = await glass(['dev', 'up', '--nodes', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'glass: --nodes must be an integer from 1 to 8 (received "0")\n');
    assert.equal(r.stdout, '');
  });

  test('no caddy on PATH: GLASS_ERR_DEV_MISSING_BINARY (exit 1), nothing started or written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glass-dev-nocaddy-'));
    try {
      const { options } = parseDev(['up', '--dir', join(dir, 'd')]) as Extract<DevArgs, { command: 'up' }>;
      await assert.rejects(runSupervisor(options, { PATH: dir }, () => {}), (err: unknown) => err instanceof DevError && err.code === DevErrors.MISSING_BINARY && /caddy is not installed/.test(err.message));
      assert.throws(() => requireBinary('prometheus', { PATH: dir }, 'asked for by --prometheus'), (err: unknown) => err instanceof DevError && err.code === DevErrors.MISSING_BINARY && /^prometheus is not installed \(asked for by --prometheus\): apt-get install prometheus$/.test(err.message));
      const r = await glass(['dev', 'up', '--detach', '--dir', join(dir, 'd')], ownEnv({ PATH: dir }));
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^glass: GLASS_ERR_DEV_MISSING_BINARY: caddy is not installed .*apt-get install caddy\n$/);
      assert.equal(existsSync(join(dir, 'd')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('glass dev up --detach, status, down (real Caddy, nodes, Redis, stores)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-dev-'));
  let state: DevTopology;

  before(async () => {
    const t0 = performance.now();
    const up = await glass(['dev', 'up', '--detach', '--dir', dir, '--edge-port', '0', '--workers', '1', ...(withPrometheus ? ['--prometheus'] : [])]);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    assert.match(up.stdout, /running in the background/);
    state = readState(dir)!;
    assert.ok(state !== null, 'the state file is written once ready');
    console.log(`# glass dev up --detach: ready in ${Math.round(performance.now() - t0)} ms`);
  });

  after(async () => {
    const left = readState(dir);
    if (left !== null && pidAlive(left.supervisor)) await glass(['dev', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a second up on the same directory is refused while the first runs', async () => {
    const again = await glass(['dev', 'up', '--detach', '--dir', dir, '--edge-port', '0']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /GLASS_ERR_DEV_ALREADY_RUNNING/);
    assert.equal(readState(dir)?.supervisor, state.supervisor, 'the running topology is untouched');
  });

  test('status --json: every service up, exit 0', async () => {
    const r = await glass(['dev', 'status', '--dir', dir, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const status = JSON.parse(r.stdout) as { running: boolean; up: boolean; services: { name: string; kind: string; up: boolean; detail: string }[] };
    assert.equal(status.running, true);
    assert.equal(status.up, true);
    const kinds = status.services.map((s) => s.kind).sort();
    assert.deepEqual(kinds, ['caddy', 'couch', 'node', 'node', 'postgres', ...(withPrometheus ? ['prometheus'] : []), 'redis'].sort());
    for (const s of status.services) assert.equal(s.up, true, `${s.name}: ${s.detail}`);
    const text = await glass(['dev', 'status', '--dir', dir]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^SERVICE\s+PID\s+RESTARTS\s+URL\s+STATE\n/);
  });

  test('through Caddy: /healthz reaches a node, and a player with a token from glass token chats on /ws', async () => {
    const nodes = state.services.filter((s) => s.kind === 'node').map((s) => s.name);
    const health = await httpGet(`https://127.0.0.1:${state.edge.port}/healthz`);
    assert.equal(health?.status, 200);
    assert.ok(nodes.includes((JSON.parse(health!.body) as { node: string }).node), health!.body);
    // The shell's way: the state file names the key, glass token signs with it.
    const signed = await glass(['token', '--player', 'dev-ann', '--character', 'ann-char'], ownEnv({ ...state.env }));
    assert.equal(signed.code, 0, signed.stderr);
    const token = signed.stdout.trim();
    const client = new GlassClient({ url: state.edge.ws, token: () => token, WebSocket: EdgeSocket });
    try {
      await client.connect();
      await client.join('dev-hall');
      const said = await client.say('dev-hall', 'hello through the edge');
      assert.equal(said.text, 'hello through the edge');
    } finally {
      await client.close();
    }
  });

  test('a node SIGKILLed is restarted on its port: a new pid in topology.json, restarts 1 in status, /readyz through Caddy', async () => {
    const victim = state.services.find((s) => s.name === 'node-1')!;
    process.kill(victim.pid, 'SIGKILL');
    const back = await until(
      'node-1 back with a new pid',
      () => {
        const n = readState(dir)?.services.find((s) => s.name === 'node-1');
        return n !== undefined && n.pid !== victim.pid && n.state === 'up' ? n : undefined;
      },
      90_000,
      200,
    );
    assert.equal(back.port, victim.port, 'the same port: Caddy\'s upstream list stays right');
    assert.equal(back.restarts, 1);
    // Caddy picks a node at random for a request without its cookie: asked until node-1 answers.
    const readyz = await until(
      'node-1 answering /readyz through Caddy',
      async () => {
        const r = await httpGet(`https://127.0.0.1:${state.edge.port}/readyz`);
        return r?.status === 200 && (JSON.parse(r.body) as { node: string }).node === 'node-1' ? r : undefined;
      },
      30_000,
      100,
    );
    assert.equal(readyz.status, 200);
    const r = await glass(['dev', 'status', '--dir', dir, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const services = (JSON.parse(r.stdout) as { services: { name: string; pid: number; restarts: number; up: boolean }[] }).services;
    assert.deepEqual(services.map((s) => [s.name, s.restarts, s.up]), services.map((s) => [s.name, s.name === 'node-1' ? 1 : 0, true]));
    const events = readEvents(dir, state.supervisor).filter((e) => e.service === 'node-1').map((e) => e.event);
    assert.deepEqual(events, ['started', 'exited', 'restarting', 'restarted']);
    state = readState(dir)!;
  });

  test('down: the supervisor and every service exit in reverse order, the state file is removed, status exit 3', async () => {
    const pids = [state.supervisor, ...state.services.map((s) => s.pid)].filter((p) => p > 0);
    const t0 = performance.now();
    const down = await glass(['dev', 'down', '--dir', dir]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    console.log(`# glass dev down: ${Math.round(performance.now() - t0)} ms`);
    // The supervisor has exited when down returns; its children were stopped before it exited.
    await until('every process of the topology gone', () => (pids.every((p) => !pidAlive(p)) ? true : undefined), 10_000);
    assertStopOrder(readEvents(dir, state.supervisor), state);
    assert.equal(existsSync(statePath(dir)), false);
    const status = await glass(['dev', 'status', '--dir', dir, '--json']);
    assert.equal(status.code, 3);
    assert.deepEqual(JSON.parse(status.stdout), { dir, running: false });
    const again = await glass(['dev', 'down', '--dir', dir]);
    assert.equal(again.code, 3, 'down with nothing running: exit 3');
  });
});

/**
 * From the supervisor's record: every service of `state` stopped once, by its pid, and in tiers, the
 * edge (Caddy, Prometheus) all stopped before any node began stopping, the nodes all stopped before
 * any store began.
 */
function assertStopOrder(events: readonly DevEvent[], state: DevTopology): void {
  const tierOf = (kind: string): number => (kind === 'caddy' || kind === 'prometheus' ? 2 : kind === 'node' ? 1 : 0);
  const ours = state.services.filter((s) => s.pid !== 0);
  const index = (event: 'stopping' | 'stopped', name: string): number => events.findIndex((e) => e.event === event && e.service === name);
  for (const s of ours) {
    const stopped = events.filter((e) => e.event === 'stopped' && e.service === s.name);
    assert.equal(stopped.length, 1, `${s.name} stopped once`);
    assert.equal(stopped[0].pid, s.pid, `${s.name}: its pid of topology.json`);
    assert.ok(index('stopping', s.name) < index('stopped', s.name));
  }
  for (const upper of ours) {
    for (const lower of ours.filter((s) => tierOf(s.kind) < tierOf(upper.kind))) {
      assert.ok(index('stopped', upper.name) < index('stopping', lower.name), `${upper.name} stopped before ${lower.name} began to stop:\n${events.map((e) => `${e.event} ${e.service}`).join('\n')}`);
    }
  }
  assert.equal(events.filter((e) => e.event === 'stopping')[0]?.service, 'caddy', 'Caddy first');
}

describe('glass dev up in the foreground, Ctrl-C on its process group (as a terminal sends it)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-dev-fg-'));
  let supervisor: ReturnType<typeof spawn> | null = null;

  after(async () => {
    const left = readState(dir);
    if (left !== null && pidAlive(left.supervisor)) await glass(['dev', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('only the supervisor hears it: the services stop in reverse dependency order, none is left', async () => {
    // A shell runs a foreground job in a process group of its own and Ctrl-C signals that whole group.
    supervisor = spawn(process.execPath, [GLASS, 'dev', 'up', '--dir', dir, '--edge-port', '0', '--nodes', '1', '--workers', '1'], { env: ownEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    supervisor.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
    supervisor.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    const state = await until('the foreground topology ready', () => {
      const s = readState(dir);
      if (s !== null && s.supervisor === supervisor!.pid) return s;
      if (supervisor!.exitCode !== null) throw new Error(`glass dev up exited (${supervisor!.exitCode}):\n${output}`);
      return undefined;
    }, 240_000, 200);
    const pids = state.services.map((s) => s.pid).filter((p) => p > 0 && p !== state.supervisor);
    assert.equal(processGroupOf(state.supervisor), supervisor.pid, 'the supervisor leads the job\'s group');
    for (const pid of pids) assert.equal(processGroupOf(pid), pid, `pid ${pid} leads a process group of its own, out of the job's`);
    process.kill(-supervisor.pid!, 'SIGINT');
    assert.equal(await exited, 0, output);
    assertStopOrder(readEvents(dir, state.supervisor), state);
    // None was signalled by the Ctrl-C itself: every one was stopped by the supervisor's SIGTERM.
    for (const e of readEvents(dir, state.supervisor).filter((e) => e.event === 'exited')) assert.fail(`${e.service} exited on its own: ${JSON.stringify(e)}`);
    await until('every service of the topology gone', () => (pids.every((p) => !pidAlive(p)) ? true : undefined), 10_000);
    assert.equal(existsSync(statePath(dir)), false);
    assert.match(output, /SIGINT: stopping the topology/);
  });
});

/** The process group of `pid` (/proc/PID/stat: "pid (comm) state ppid pgrp ..."). */
function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('a supervisor SIGKILLed takes its services along (the tether)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-dev-kill-'));

  after(async () => {
    if (readState(dir) !== null) await glass(['dev', 'down', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('no service is left running; down then finds a stale state file and nothing to stop', async () => {
    const up = await glass(['dev', 'up', '--detach', '--dir', dir, '--edge-port', '0', '--nodes', '1', '--workers', '1']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const state = readState(dir)!;
    const pids = state.services.map((s) => s.pid).filter((p) => p > 0 && p !== state.supervisor);
    assert.ok(pids.length >= 4 && pids.every(pidAlive), 'redis, couch, the node and Caddy run');
    process.kill(state.supervisor, 'SIGKILL');
    // Nothing stops them in order now: the kernel's parent-death signal (and the couch's IPC channel) must.
    await until('every service gone with its supervisor', () => (pids.every((p) => !pidAlive(p)) ? true : undefined), 10_000);
    const status = await glass(['dev', 'status', '--dir', dir]);
    assert.equal(status.code, 3, status.stdout);
    assert.match(status.stdout, /the state file is stale/);
    const down = await glass(['dev', 'down', '--dir', dir]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.equal(existsSync(statePath(dir)), false);
  });
});

// `glass dev up|status|down` for real: the local topology from this machine's packages (its own
// redis-server, the embedded CouchDB-protocol server and PostgreSQL, two `glass start` nodes, Debian's
// Caddy in front, Prometheus when installed) started detached, seen up by `status --json`, reached
// through Caddy (/healthz, and a player on /ws with a token from `glass token` and the topology's key),
// and stopped by `down`: every process gone, the state file removed, `status` exit 3.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
    for (const args of [[], ['sideways'], ['up', '--nodes', '0'], ['up', '--nodes', '9'], ['up', '--edge-port', '70000'], ['up', '--workers', 'x'], ['up', '--bogus'], ['up', 'extra'], ['status', '--dir', ''], ['status', '--nodes', '2'], ['down', 'extra'], ['down', '--timeout-ms', '5']]) {
      assert.throws(() => parseDev(args), UsageError, args.join(' '));
    }
    assert.deepEqual(parseDev(['status']), { command: 'status', dir: resolve('.data/dev'), json: false });
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
    assert.match(text.stdout, /^SERVICE\s+PID\s+URL\s+STATE\n/);
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

  test('down: the supervisor and every service exit, the state file is removed, status exit 3', async () => {
    const pids = [state.supervisor, ...state.services.map((s) => s.pid)].filter((p) => p > 0);
    const t0 = performance.now();
    const down = await glass(['dev', 'down', '--dir', dir]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    console.log(`# glass dev down: ${Math.round(performance.now() - t0)} ms`);
    // The supervisor has exited when down returns; its children were stopped before it exited.
    await until('every process of the topology gone', () => (pids.every((p) => !pidAlive(p)) ? true : undefined), 10_000);
    assert.equal(existsSync(statePath(dir)), false);
    const status = await glass(['dev', 'status', '--dir', dir, '--json']);
    assert.equal(status.code, 3);
    assert.deepEqual(JSON.parse(status.stdout), { dir, running: false });
    const again = await glass(['dev', 'down', '--dir', dir]);
    assert.equal(again.code, 3, 'down with nothing running: exit 3');
  });
});

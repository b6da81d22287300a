import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { generateTokenKeyPair, publicKeyPem, signAccessToken } from '../../clients/index.js';
import { TestClient } from './ws-client.js';
import { REDIS_URL, deleteKeys } from './cluster-fixture.js';

const GLASS = new URL('../../bin/glass.js', import.meta.url).pathname;

interface LogLine {
  msg?: string;
  port?: number;
  members?: string[];
}

/** A `glass start` process and its JSON log lines as they come. */
class GlassProcess {
  readonly child: ChildProcess;
  readonly #waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly seen: LogLine[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [GLASS, 'start', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.seen.push(line);
      for (const w of [...this.#waiters]) {
        if (w.match(line)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
  }

  /** The first log line (already seen or to come) that matches. */
  line(match: (l: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    const found = this.seen.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line: ${what}`)), timeoutMs);
      this.#waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    return exited;
  }
}

test('two `glass start` with REDIS_URL form one runtime: a player on each node talks in one room', async () => {
  const cluster = `glass-e2e-cli-${process.pid}-${Date.now()}`;
  const secret = randomBytes(32).toString('base64url');
  const pair = generateTokenKeyPair();
  const clusterKey = randomBytes(32).toString('base64');
  const dirs = await Promise.all([1, 2].map((i) => mkdtemp(join(tmpdir(), `glass-e2e-cli-${i}-`))));
  const env = (i: number): NodeJS.ProcessEnv => ({
    ...process.env,
    REDIS_URL,
    GLASS_CLUSTER: cluster,
    GLASS_TOKEN_SECRET: secret,
    // The issuer's public key only: the nodes cannot mint tokens.
    GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(pair.publicKey),
    GLASS_DATA_DIR: dirs[i - 1],
    COUCHDB_URL: '',
    // No COUCHDB_URL: the nodes share one node's embedded store, found through Redis (development mode only).
    GLASS_DEV_SHARED_STORE: '1',
    GLASS_CLUSTER_KEY: clusterKey,
    LOG_LEVEL: 'info',
  });
  const started: GlassProcess[] = [];
  const clients: TestClient[] = [];
  try {
    const n1 = new GlassProcess(['--port', '0', '--host', '127.0.0.1', '--workers', '1', '--node-id', 'cli-n1'], env(1));
    started.push(n1);
    const port1 = (await n1.line((l) => l.msg === 'listening', 'n1 listening')).port!;
    const n2 = new GlassProcess(['--port', '0', '--host', '127.0.0.1', '--workers', '1', '--node-id', 'cli-n2'], env(2));
    started.push(n2);
    const port2 = (await n2.line((l) => l.msg === 'listening', 'n2 listening')).port!;
    // Both place alike only once n1 has taken n2 in.
    await n1.line((l) => l.msg === 'cluster changed' && l.members?.includes('cli-n2') === true, 'n1 sees n2');
    assert.ok(n2.seen.some((l) => l.msg === 'node started' && l.members?.join() === 'cli-n1,cli-n2'), 'n2 started into the cluster');
    // The second node uses the first one's development store rather than starting its own.
    assert.ok(n2.seen.some((l) => l.msg === 'actor state in CouchDB'), 'n2 says where its state is');

    const token = (player: string): Promise<string> =>
      signAccessToken(pair.privateKey, { player, character: `${player}-c`, roles: ['player'], ttlMs: 600_000 });
    const ann = await TestClient.connectWith(`ws://127.0.0.1:${port1}/ws`, 'ann', await token('ann'));
    const bob = await TestClient.connectWith(`ws://127.0.0.1:${port2}/ws`, 'bob', await token('bob'));
    clients.push(ann, bob);
    await ann.join('tavern');
    const joined = await bob.join('tavern');
    assert.deepEqual(joined.members, ['ann', 'bob']);
    ann.send({ type: 'say', room: 'tavern', text: 'from node one' });
    bob.send({ type: 'say', room: 'tavern', text: 'from node two' });
    for (const client of [ann, bob]) {
      const lines = [(await client.next('said')).line, (await client.next('said')).line];
      assert.deepEqual(lines.map((l) => l.text).sort(), ['from node one', 'from node two']);
    }
    for (const c of clients.splice(0)) await c.close();
    assert.equal(await n2.stop(), 0, 'n2 leaves and exits cleanly');
    assert.equal(await n1.stop(), 0, 'n1 exits cleanly');
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    await deleteKeys(REDIS_URL, cluster);
  }
});

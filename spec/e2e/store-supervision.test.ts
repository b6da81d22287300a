import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMBEDDED_COUCH_SECRET_ENV, EMBEDDED_COUCH_USER } from '../../cluster/index.js';
import { getJson, StoreNodeProcess, until } from './store-node-process.js';
import { TestClient } from './ws-client.js';

/** Most lines one talker says (below the room's history of 50). */
const MAX_LINES = 45;

interface StoreCheck {
  ready: boolean;
  status: string;
  restarts: number;
  pid: number;
}

/** The store's part of /readyz (its pid included: the test kills that process). */
async function storeCheck(port: number): Promise<{ status: number; store: StoreCheck; notReady: string[] }> {
  const { status, body } = await getJson(port, '/readyz');
  const checks = body!.checks as Record<string, unknown>;
  return { status, store: checks.store as StoreCheck, notReady: body!.notReady as string[] };
}

/** The store's port, from the node's start log (the safe URL: no credentials). */
function storePort(node: StoreNodeProcess): number {
  const entry = node.entries().find((e) => e.msg === 'actor state in CouchDB');
  const match = /127\.0\.0\.1:(\d+)/.exec(String(entry?.store));
  assert.ok(match !== null, 'the start log names the store');
  return Number(match[1]);
}

/** The secret in a store child's environment (this test runs as the same user). */
function secretOf(pid: number): string | undefined {
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return environ.find((v) => v.startsWith(`${EMBEDDED_COUCH_SECRET_ENV}=`))?.slice(EMBEDDED_COUCH_SECRET_ENV.length + 1);
}

/** Every directory and file under `dir` (itself included), with its permission bits. */
function walk(dir: string): { path: string; mode: number; dir: boolean }[] {
  const out = [{ path: dir, mode: statSync(dir).mode & 0o777, dir: true }];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else out.push({ path, mode: statSync(path).mode & 0o777, dir: false });
  }
  return out;
}

/** One player saying numbered lines in its room, one at a time, keeping those the room acknowledged. */
class Talker {
  readonly acknowledged: string[] = [];
  readonly refused: string[] = [];
  #n = 0;
  #stopped = false;
  #loop: Promise<void> | null = null;

  constructor(
    readonly client: TestClient,
    readonly room: string,
  ) {}

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  /** Acknowledged lines since `mark` (an earlier length of `acknowledged`). */
  since(mark: number): number {
    return this.acknowledged.length - mark;
  }

  async #run(): Promise<void> {
    while (!this.#stopped && this.#n < MAX_LINES) {
      const text = `${this.client.player} line ${++this.#n}`;
      const ref = `say-${this.#n}`;
      this.client.send({ type: 'say', room: this.room, text, ref });
      // Its own `said` is the acknowledgement; an error frame (the store down past the save's bound,
      // the ask's timeout, the rate limit) is a refusal: the line was not acknowledged.
      const outcome = await Promise.race([
        this.client.next('said', (f) => f.room === this.room && f.line.text === text, 12_000).then(() => 'said' as const),
        this.client.next('error', (f) => f.ref === ref, 12_000).then((f) => f.code),
      ]).catch(() => 'no answer');
      if (outcome === 'said') this.acknowledged.push(text);
      else this.refused.push(`${text}: ${outcome}`);
      // Pacing of the traffic (not a synchronisation): stays within the per-character rate limit.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('the embedded store of a running node (glass start in a child process)', () => {
  let node: StoreNodeProcess;
  const clients: TestClient[] = [];

  before(async () => {
    node = await StoreNodeProcess.start(randomBytes(24).toString('base64url'));
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await node?.stop();
  });

  async function connect(player: string): Promise<TestClient> {
    const client = await TestClient.connect(`ws://127.0.0.1:${node.port}/ws`, player);
    clients.push(client);
    return client;
  }

  test('the store answers its node only: without the secret a read or a write is refused (401) and changes nothing; files 0600 in a 0700 directory; the secret is in no log line nor argv', async () => {
    const { store } = await storeCheck(node.port);
    // The secret is in the child's environment (readable only by its user, as its files are), never its arguments.
    const secret = secretOf(store.pid);
    assert.ok(secret !== undefined && secret.length >= 32, 'the child got its secret through its environment');
    assert.ok(!readFileSync(`/proc/${store.pid}/cmdline`, 'utf8').includes(secret), 'not in argv');
    // Some state to protect: a room with a line.
    const writer = await connect('writer');
    await writer.join('vault');
    writer.send({ type: 'say', room: 'vault', text: 'the real line' });
    await writer.next('said', (f) => f.room === 'vault');
    const port = storePort(node);
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Basic ${Buffer.from(`${EMBEDDED_COUCH_USER}:${secret}`).toString('base64')}` };
    const docUrl = `${base}/glass_actors/${encodeURIComponent('room:vault')}`;
    const before = await (await fetch(docUrl, { headers: auth })).text();
    assert.match(before, /the real line/);
    for (const [method, path, body] of [
      ['GET', '/', undefined],
      ['GET', '/_all_dbs', undefined],
      ['GET', '/glass_actors/_all_docs?include_docs=true', undefined],
      ['GET', `/glass_actors/${encodeURIComponent('room:vault')}`, undefined],
      ['PUT', `/glass_actors/${encodeURIComponent('room:vault')}`, JSON.stringify({ ...JSON.parse(before), state: { forged: true } })],
      ['POST', '/glass_actors/_bulk_docs', JSON.stringify({ docs: [{ _id: 'room:forged', state: {} }] })],
      ['DELETE', '/glass_actors', undefined],
    ] as const) {
      for (const headers of <Record<string, string>[]>[{}, { authorization: `Basic ${Buffer.from(`${EMBEDDED_COUCH_USER}:wrong-secret`).toString('base64')}` }, { authorization: `Bearer ${secret}` }]) {
        const res = await fetch(`${base}${path}`, { method, body, headers: { 'content-type': 'application/json', ...headers } });
        assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(Object.keys(headers))}`);
        assert.doesNotMatch(await res.text(), /real line|glass_actors/);
      }
    }
    assert.equal(await (await fetch(docUrl, { headers: auth })).text(), before, 'nothing changed');
    assert.equal((await fetch(`${base}/glass_actors/room%3Aforged`, { headers: auth })).status, 404);
    // Modes: the data directory and everything under it.
    const modes = walk(node.dataDir);
    assert.ok(modes.length > 3, 'the store wrote files');
    for (const { path, mode, dir } of modes) assert.equal(mode, dir ? 0o700 : 0o600, `${path} is ${mode.toString(8)}`);
    // The node's logs (every line it wrote, debug level): neither the secret nor a URL carrying it.
    assert.ok(node.lines.length > 5);
    for (const line of node.lines) {
      assert.ok(!line.includes(secret), `the secret is not logged: ${line.slice(0, 200)}`);
      assert.doesNotMatch(line, /\/\/[^/\s"]*:[^/\s"@]*@/, 'no URL with credentials is logged');
    }
    assert.ok(node.lines.some((l) => l.includes(`127.0.0.1:${port}`)), 'the store is logged, by its safe URL');
  });

  test('killed under traffic (SIGKILL), the store is restarted: /readyz says 503 meanwhile, /healthz stays 200, every acknowledged line is kept and every room answers again', async () => {
    const first = await storeCheck(node.port);
    assert.equal(first.status, 200);
    assert.deepEqual(first.notReady, []);
    assert.equal(first.store.restarts, 0);
    // One talker per room, each saying at most MAX_LINES: a room's history keeps its last 50 lines.
    const rooms = ['tavern', 'forge', 'harbour', 'market'];
    const talkers: Talker[] = [];
    for (const [i, player] of ['ana', 'bo', 'cy', 'di'].entries()) {
      const client = await connect(player);
      const room = rooms[i % rooms.length];
      await client.join(room);
      talkers.push(new Talker(client, room));
    }
    talkers.forEach((t) => t.start());
    let up: Awaited<ReturnType<typeof storeCheck>>;
    let firstSecret: string | undefined;
    try {
      await until('lines acknowledged before the kill', async () => (talkers.every((t) => t.acknowledged.length >= 3) ? true : undefined));
      firstSecret = secretOf(first.store.pid);
      process.kill(first.store.pid, 'SIGKILL');
      // While it is down (or restarting): not ready, still live.
      const down = await until('/readyz 503 naming the store', async () => {
        const check = await storeCheck(node.port);
        return check.status === 503 ? check : undefined;
      });
      assert.deepEqual(down.notReady, ['store']);
      assert.equal(down.store.ready, false);
      assert.equal((await getJson(node.port, '/healthz')).status, 200, '/healthz is liveness: 200 while the process serves');
      up = await until('/readyz 200 again', async () => {
        const check = await storeCheck(node.port);
        return check.status === 200 ? check : undefined;
      });
      assert.equal(up.store.restarts, 1);
      assert.notEqual(up.store.pid, first.store.pid);
      // Traffic goes on after the restart: every player gets lines acknowledged again.
      const marks = talkers.map((t) => t.acknowledged.length);
      await until('lines acknowledged after the restart', async () => (talkers.every((t, i) => t.since(marks[i]) >= 3) ? true : undefined), 20_000);
    } finally {
      await Promise.all(talkers.map((t) => t.stop()));
    }
    // Every acknowledged line is in its room's history, as a new member sees it.
    const reader = await connect('reader');
    for (const room of rooms) {
      const joined = await reader.join(room);
      const history = new Set(joined.history.map((line) => line.text));
      for (const t of talkers.filter((t) => t.room === room)) {
        for (const text of t.acknowledged) assert.ok(history.has(text), `${text} was acknowledged and is in ${room}'s history`);
      }
      // And the room answers: a line said now is acknowledged.
      reader.send({ type: 'say', room, text: `after in ${room}` });
      await reader.next('said', (f) => f.room === room && f.line.text === `after in ${room}`);
    }
    // The death and the restart are in the node's log.
    const exited = await node.waitForLog((e) => e.msg === 'embedded store exited: restarting it (saves wait within their retry bound)');
    assert.equal(exited.signal, 'SIGKILL');
    const restarted = await node.waitForLog((e) => e.msg === 'embedded store restarted');
    assert.equal(restarted.restarts, 1);
    // The restarted child has the same secret (the workers' URL still holds), and the outage logged
    // neither it nor a URL carrying it.
    const secret = secretOf(up.store.pid);
    assert.ok(secret !== undefined && secret.length >= 32);
    assert.equal(secret, firstSecret);
    for (const line of node.lines) {
      assert.ok(!line.includes(secret), `the secret is not logged: ${line.slice(0, 200)}`);
      assert.doesNotMatch(line, /\/\/[^/\s"]*:[^/\s"@]*@/, 'no URL with credentials is logged');
    }
  });
});

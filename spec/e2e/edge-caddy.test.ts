// The edge for real: Debian's Caddy with infra/caddy/Caddyfile.local (tls internal, routes.caddy)
// in front of two `glass start` nodes on a Redis and a CouchDB-protocol server of the test's own.
// Players connect through Caddy's /ws with the SDK, kept on one node by Caddy's cookie; that node is
// SIGKILLed; the players reconnect through Caddy, land on the other node, and every line that was
// acknowledged is in the room once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { tokenEnv, tokenFor } from '../../bench/faults/support/keys.js';
import { GlassProcess } from '../../bench/faults/support/glass-process.js';
import { until } from '../../bench/faults/support/wait.js';
import { OwnRedisServer, freePort } from '../../bench/support/redis-server.js';
import { GlassClient, type WebSocketConstructor } from '../../clients/sdk/index.js';
import { startEmbeddedCouch } from '../../cluster/index.js';
import { EventLog } from './fixtures/sdk-events.js';

const CADDY = '/usr/bin/caddy';
const ROOT = new URL('../../../', import.meta.url).pathname;
const skip = existsSync(CADDY) ? false : `${CADDY} is not installed (apt-get install caddy)`;

/** What a browser keeps for the edge: Caddy's sticky cookie. */
class CookieJar {
  cookie = '';
  take(setCookie: string[] | undefined): void {
    if (setCookie !== undefined && setCookie.length > 0) this.cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  }
}

/** `ws` through the edge: trusts Caddy's internal CA for this test only, and keeps its cookie. */
function edgeSocket(jar: CookieJar): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { rejectUnauthorized: false, perMessageDeflate: false, headers: jar.cookie === '' ? {} : { cookie: jar.cookie } });
      this.on('upgrade', (res) => jar.take(res.headers['set-cookie']));
    }
  } as unknown as WebSocketConstructor;
}

function get(port: number, path: string, cookie = ''): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: cookie === '' ? {} : { cookie } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

describe('the Caddy edge in front of two nodes (real Caddy, real nodes, real Redis)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-edge-'));
  const clients: GlassClient[] = [];
  let redis: OwnRedisServer;
  let couch: Awaited<ReturnType<typeof startEmbeddedCouch>>;
  let nodes: GlassProcess[] = [];
  let caddy: ChildProcess | null = null;
  let caddyLog = '';
  let edgePort = 0;

  before(async () => {
    [redis, couch] = await Promise.all([OwnRedisServer.start(), startEmbeddedCouch({ dataDir: join(dir, 'couch') })]);
    const prefix = `edge-${Date.now().toString(36)}`;
    const env = { ...tokenEnv(), REDIS_URL: redis.url, COUCHDB_URL: couch.url, GLASS_CLUSTER_KEY: randomBytes(32).toString('base64url'), GLASS_TRUSTED_PROXIES: '127.0.0.1' };
    nodes = await Promise.all(['e0', 'e1'].map((n) => GlassProcess.start(n, env, { args: ['--cluster', prefix, '--idle-ms', '3600000'] })));
    await Promise.all(nodes.map((n) => n.waitForLog((e) => Array.isArray(e.members) && ['e0', 'e1'].every((i) => (e.members as string[]).includes(i)), 60_000)));
    edgePort = await freePort();
    const home = join(dir, 'caddy-home');
    caddy = spawn(CADDY, ['run', '--config', join(ROOT, 'infra/caddy/Caddyfile.local'), '--adapter', 'caddyfile'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_DATA_HOME: join(home, 'data'),
        XDG_CONFIG_HOME: join(home, 'config'),
        GLASS_EDGE_HOST: '127.0.0.1',
        GLASS_EDGE_PORT: String(edgePort),
        GLASS_CADDY_ADMIN: `127.0.0.1:${await freePort()}`,
        GLASS_UPSTREAMS: nodes.map((n) => `127.0.0.1:${n.port}`).join(' '),
        GLASS_APP_DIR: join(ROOT, 'dist/app'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    caddy.stderr!.setEncoding('utf8').on('data', (c: string) => (caddyLog = (caddyLog + c).slice(-4_000)));
    await until('Caddy serving /app', async () => ((await get(edgePort, '/app/').catch(() => null))?.status === 200 ? true : undefined), 30_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${caddyLog}`);
    });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    caddy?.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    await couch?.close();
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function player(name: string): { client: GlassClient; log: EventLog; jar: CookieJar } {
    const jar = new CookieJar();
    const client = new GlassClient({ url: `wss://127.0.0.1:${edgePort}/ws`, token: () => tokenFor(name), WebSocket: edgeSocket(jar), reconnect: { minMs: 100, maxMs: 500 } });
    clients.push(client);
    return { client, log: new EventLog(name, client), jar };
  }

  /** Which node Caddy's cookie sends this player to: /healthz through the edge names it. */
  async function nodeOf(jar: CookieJar): Promise<string> {
    const r = await get(edgePort, '/healthz', jar.cookie);
    jar.take(r.headers['set-cookie'] as string[] | undefined);
    assert.equal(r.status, 200, r.body);
    return (JSON.parse(r.body) as { node: string }).node;
  }

  test('/app is the web client with its CSP; an unknown path is 404', async () => {
    const page = await get(edgePort, '/app/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<script[^>]+src="\/app\/assets\//);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal((await get(edgePort, '/nowhere')).status, 404);
  });

  test('a node SIGKILLed under its players: they reconnect through Caddy to the other node, no acknowledged line lost', async () => {
    const room = `hall-${Date.now().toString(36)}`;
    const ann = player('ann-edge');
    const ben = player('ben-edge');
    await ann.client.connect();
    await ben.client.connect();
    await ann.client.join(room);
    await ben.client.join(room);
    assert.match(ann.jar.cookie, /^glass_node=/, 'the WebSocket upgrade through Caddy set the sticky cookie');
    const home = await nodeOf(ann.jar);
    assert.ok(['e0', 'e1'].includes(home), `ann is on ${home}`);
    // Sticky: every reconnect of a live node's player goes back to it.
    for (let i = 0; i < 3; i++) assert.equal(await nodeOf(ann.jar), home, 'the cookie keeps ann on one node');

    const acknowledged: string[] = [];
    for (let i = 1; i <= 5; i++) acknowledged.push((await ann.client.say(room, `before ${i}`)).text);

    const victim = nodes.find((n) => n.name === home)!;
    const survivor = nodes.find((n) => n.name !== home)!;
    await victim.kill();
    await ann.log.state('reconnecting');
    await ann.log.state('open');
    assert.match(ann.jar.cookie, /^glass_node=/);
    assert.equal(await nodeOf(ann.jar), survivor.name, 'Caddy sent ann to the node that is left, and its cookie now says so');

    for (let i = 1; i <= 5; i++) acknowledged.push((await ann.client.say(room, `after ${i}`)).text);
    await ben.log.next('said', (e) => e.line.text === 'after 5', 30_000);

    const reader = player('reader-edge');
    await reader.client.connect();
    const history = (await reader.client.join(room)).history.map((l) => l.text);
    for (const text of acknowledged) assert.equal(history.filter((t) => t === text).length, 1, `"${text}" is in the room once (history: ${history.join(', ')})`);
  });
});

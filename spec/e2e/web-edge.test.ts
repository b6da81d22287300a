// The web client (/app) in headless Chromium through Caddy of the local topology (`glass dev up`):
// two pages sign in with tokens of the topology's key and chat in a room, one plays a session turn
// and sees the narration stream in, then the node both pages are on (Caddy's sticky cookie) is
// SIGKILLed (its pid from topology.json): both pages show reconnecting, come back through Caddy on
// the other node, and go on chatting; every line a page had acknowledged is still there, once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { joinRoom as joinPageRoom, line, say } from './fixtures/web-page.js';
import { pidAlive, readState, type DevTopology } from '../../bin/commands/dev/state-file.js';
import { resolveTokenPrivateKey, signAccessToken } from '../../clients/index.js';
import { dropSchema, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';

const CADDY = '/usr/bin/caddy';
const CHROMIUM = '/usr/bin/chromium';
const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));
const WAIT_MS = 30_000;
const skip = !existsSync(CADDY) ? `${CADDY} is not installed (apt-get install caddy)` : !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed (apt-get install chromium)` : false;

function glass(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GLASS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

describe('the web client through Caddy of glass dev up, a node SIGKILLed under two pages', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-web-edge-'));
  const env: NodeJS.ProcessEnv = { ...process.env, GLASS_NARRATOR_PACE: '0,20' };
  for (const name of ['REDIS_URL', 'COUCHDB_URL', 'GLASS_PG_URL', 'DATABASE_URL']) delete env[name];
  const schema = uniqueSchema('web_edge');
  let state: DevTopology;
  let browser: Browser;
  let token: (player: string) => Promise<string>;
  const problems: string[] = [];

  before(async () => {
    // The machine's PostgreSQL when it answers (a schema of this test's own): no initdb of the
    // embedded one inside the test's time; dev-topology.test.ts covers the embedded one.
    const pgUrl = await testPgUrl().catch(() => null);
    if (pgUrl !== null) Object.assign(env, { GLASS_PG_URL: pgUrl, GLASS_PG_SCHEMA: schema });
    // Paced narration (first chunk at once, 20 chunks a second): seen part-way before the turn commits.
    // --max-restarts 0: the SIGKILLed node stays dead (the supervisor would restart it otherwise), so
    // the pages must move to the survivor and status must show the victim down.
    const up = await glass(['dev', 'up', '--detach', '--dir', dir, '--edge-port', '0', '--workers', '1', '--max-restarts', '0'], env);
    assert.equal(up.code, 0, up.out);
    state = readState(dir)!;
    const { key } = await resolveTokenPrivateKey({ GLASS_TOKEN_PRIVATE_KEY_FILE: state.env.GLASS_TOKEN_PRIVATE_KEY_FILE });
    token = (player) => signAccessToken(key, { player, character: `${player}-char`, roles: ['player'], ttlMs: 3_600_000 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    const left = readState(dir);
    if (left !== null && pidAlive(left.supervisor)) await glass(['dev', 'down', '--dir', dir], env);
    if (env.GLASS_PG_URL !== undefined) await dropSchema(schema, env.GLASS_PG_URL).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page of its own context (Caddy's CA not verified: tls internal), signed in by #token=. */
  async function signedIn(context: BrowserContext, player: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${player}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${player}: ${err.message}`));
    await page.goto(`${state.edge.app}#token=${await token(player)}`);
    await page.waitForSelector('#conn[data-state="connected"]', { timeout: WAIT_MS });
    await page.waitForSelector('#room-name:focus', { timeout: WAIT_MS });
    // Every state the indicator takes from now on, kept in the page (a reconnect can be brief).
    await page.evaluate(() => {
      const g = globalThis as any;
      const conn = g.document.getElementById('conn');
      g.__states = [conn.dataset.state];
      new g.MutationObserver(() => g.__states.push(conn.dataset.state)).observe(conn, { attributes: true, attributeFilter: ['data-state'] });
    });
    return page;
  }

  const joinRoom = (page: Page, room: string) => joinPageRoom(page, room, WAIT_MS);

  /** Which node Caddy's cookie sends this context to: /healthz through the edge names it. */
  async function nodeOf(context: BrowserContext): Promise<string> {
    const res = await context.request.get(`https://127.0.0.1:${state.edge.port}/healthz`);
    assert.equal(res.status(), 200);
    return ((await res.json()) as { node: string }).node;
  }

  test('two pages chat, one plays a turn and sees the narration stream; a node dies and both carry on', async () => {
    const t0 = performance.now();
    const room = 'edge-tavern';
    const annContext = await browser.newContext({ ignoreHTTPSErrors: true });
    const ann = await signedIn(annContext, 'ann');
    // The WebSocket upgrade through Caddy set the sticky cookie: bob gets ann's, so both are on one node.
    const sticky = (await annContext.cookies()).filter((c) => c.name === 'glass_node');
    assert.equal(sticky.length, 1, 'Caddy set glass_node on the upgrade');
    const bobContext = await browser.newContext({ ignoreHTTPSErrors: true });
    await bobContext.addCookies(sticky);
    const bob = await signedIn(bobContext, 'bob');
    const home = await nodeOf(annContext);
    assert.equal(await nodeOf(bobContext), home, 'both pages are on one node');

    await joinRoom(ann, room);
    await joinRoom(bob, room);
    await ann.waitForSelector(`section.room[data-room="${room}"] .members li[data-member="bob"]`, { timeout: WAIT_MS });
    const acknowledged: { from: string; text: string }[] = [];
    for (const [page, from, text] of [[ann, 'ann', 'hello bob'], [bob, 'bob', 'hi ann'], [ann, 'ann', 'shall we go in?']] as const) {
      await say(page, room, text);
      // Its own line shown is the page's acknowledgement (the `said` the node sent back).
      await line(page, room, from, text).waitFor({ timeout: WAIT_MS });
      acknowledged.push({ from, text });
    }
    await line(bob, room, 'ann', 'shall we go in?').waitFor({ timeout: WAIT_MS });

    // A turn: the narration streams in (some chunks before the commit), then the turn commits.
    await ann.fill('#session-name', 'edge-quest');
    await ann.press('#session-name', 'Enter');
    const input = ann.locator('section.session[data-session="edge-quest"] input[name="text"]');
    await input.waitFor({ timeout: WAIT_MS });
    await input.fill('I push the tavern door open and look for the way down to the cellar.');
    await input.press('Enter');
    const seen = await ann.waitForFunction(
      () => {
        const item = (globalThis as any).document.querySelector('section.session[data-session="edge-quest"] li.turn[data-turn="1"]');
        if (item === null || item.dataset.state !== 'streaming' || item.dataset.chunks === undefined) return null;
        return { text: item.querySelector('.narration').textContent as string, chunks: Number(item.dataset.chunks) };
      },
      undefined,
      { timeout: WAIT_MS, polling: 'raf' },
    );
    const partial = ((await seen.jsonValue()) as { text: string }).text;
    await ann.waitForSelector('section.session[data-session="edge-quest"] li.turn[data-turn="1"][data-state="committed"]', { timeout: WAIT_MS });
    const whole = await ann.locator('section.session[data-session="edge-quest"] li.turn[data-turn="1"] .narration').innerText();
    assert.ok(partial.length > 0 && whole.length > partial.length, `the narration streamed in (${partial.length} → ${whole.length} characters)`);

    // The node both pages are on dies without a word.
    const victim = state.services.find((s) => s.kind === 'node' && s.name === home)!;
    const survivor = state.services.find((s) => s.kind === 'node' && s.name !== home)!;
    const tKill = performance.now();
    process.kill(victim.pid, 'SIGKILL');
    for (const page of [ann, bob]) {
      await page.waitForFunction(() => {
        const g = globalThis as any;
        return g.__states.includes('reconnecting') && g.document.getElementById('conn').dataset.state === 'connected';
      }, undefined, { timeout: WAIT_MS });
    }
    const reconnectMs = Math.round(performance.now() - tKill);
    assert.equal(await nodeOf(annContext), survivor.name, 'Caddy sent ann to the node that is left');
    assert.equal(await nodeOf(bobContext), survivor.name, 'and bob');

    for (const [page, from, text] of [[ann, 'ann', 'still here?'], [bob, 'bob', 'still here.']] as const) {
      await say(page, room, text);
      await line(page, room, from, text).waitFor({ timeout: WAIT_MS });
      acknowledged.push({ from, text });
    }
    await line(bob, room, 'ann', 'still here?').waitFor({ timeout: WAIT_MS });
    await line(ann, room, 'bob', 'still here.').waitFor({ timeout: WAIT_MS });
    for (const page of [ann, bob]) {
      for (const { from, text } of acknowledged) assert.equal(await line(page, room, from, text).count(), 1, `"${text}" once on the page`);
    }
    // A page opened afterwards reads the room's history from the survivor: every acknowledged line once.
    const calContext = await browser.newContext({ ignoreHTTPSErrors: true });
    const cal = await signedIn(calContext, 'cal');
    await joinRoom(cal, room);
    await line(cal, room, 'bob', 'still here.').waitFor({ timeout: WAIT_MS });
    for (const { from, text } of acknowledged) assert.equal(await line(cal, room, from, text).count(), 1, `"${text}" once in the history`);
    // No script error and no CSP refusal; the browser's own failed reconnect attempts are expected.
    assert.deepEqual(problems.filter((p) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|status of 502|status of 503/.test(p)), []);
    console.log(`# web through the edge: reconnected ${reconnectMs} ms after the SIGKILL; test ${Math.round(performance.now() - t0)} ms`);

    const status = await glass(['dev', 'status', '--dir', dir, '--json'], env);
    assert.equal(status.code, 1, 'status: a node is down');
    const services = (JSON.parse(status.out) as { services: { name: string; up: boolean }[] }).services;
    assert.deepEqual(services.filter((s) => !s.up).map((s) => s.name), [home]);
  });
});

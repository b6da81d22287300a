// The player web client (/app) in headless Chromium against a real node (2 workers, embedded
// CouchDB, the paced offline narrator): how the bundle is served (CSP, types, caching, nothing
// outside it), two players chatting in a room with history and older pages, a turn whose narration
// streams in, a moderator's pause cancelling one, and a network cut the pages ride out.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { joinRoom as joinPageRoom, line, say } from './fixtures/web-page.js';
import WebSocket from 'ws';
import { override, overrideId, tellSystem } from '../../actors/index.js';
import { startGateway, type Gateway } from '../../clients/index.js';
import { WEB_CSP } from '../../clients/web/index.js';
import { GlassClient } from '../../clients/sdk/index.js';
import { narratorConfig, startDefaultNode, turnServices } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TcpProxy } from './fixtures/sdk-proxy.js';
import { GAME_ACTORS_MODULE } from './fixtures/worker-killer.js';
import { TEST_KEYS, tokenFor } from './tokens.js';

const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 20_000;

/** A raw GET (the path sent as written: no URL normalisation of `..` or `%2e`). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

describe('the player web client at /app in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let node: GlassNode;
  let gateway: Gateway;
  /** The pages' origin: a TCP proxy in front of the gateway, so the test can cut every connection. */
  let proxy: TcpProxy;
  let port: number;
  let dataDir: string;
  let browser: Browser;
  const pages: Page[] = [];
  const problems: string[] = [];


  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-web-'));
    // Paced: a chunk every 50 ms, so a narration is seen part-way before its turn commits.
    const services = turnServices({ narrator: narratorConfig({ pace: { firstChunkMs: 0, chunksPerSec: 20 } }) });
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', actorModules: [GAME_ACTORS_MODULE], services }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, resumeWindowMs: 30_000, rateLimit: { burst: 500, perSecond: 500 } });
    proxy = await TcpProxy.start(gateway.port);
    port = proxy.port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await gateway?.close();
    await node?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** A page of its own (own storage) signed in as `player`, by `#token=` or by typing the token. */
  async function signedIn(player: string, how: 'fragment' | 'form'): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push(page);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${player}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${player}: ${err.message}`));
    const token = await tokenFor(player);
    if (how === 'fragment') {
      await page.goto(`http://127.0.0.1:${port}/app#token=${token}`);
    } else {
      await page.goto(`http://127.0.0.1:${port}/app`);
      await page.waitForSelector('#token:focus', { timeout: WAIT_MS });
      await page.keyboard.type(token);
      await page.keyboard.press('Enter');
    }
    await page.waitForSelector('#conn[data-state="connected"]', { timeout: WAIT_MS });
    await page.waitForSelector('#room-name:focus', { timeout: WAIT_MS });
    // The token left the address bar.
    assert.doesNotMatch(page.url(), /token=/);
    assert.match(await page.locator('#who').innerText(), new RegExp(`${player} as ${player}-char`));
    return page;
  }

  const joinRoom = (page: Page, room: string) => joinPageRoom(page, room, WAIT_MS);

  test('serves the bundle only: CSP without inline script, content types, caching, 404 for everything else', async () => {
    const page = await get(port, '/app');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['content-security-policy'], WEB_CSP);
    assert.match(WEB_CSP, /script-src 'self'(;|$)/);
    assert.doesNotMatch(WEB_CSP, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.equal((await get(port, '/app', { 'if-none-match': String(page.headers.etag) })).status, 304);
    assert.equal((await get(port, '/app/')).status, 200);

    const script = /src="\/app\/assets\/([^"]+\.js)"/.exec(page.body)?.[1];
    const style = /href="\/app\/assets\/([^"]+\.css)"/.exec(page.body)?.[1];
    assert.ok(script && style, 'the page names its script and stylesheet');
    const js = await get(port, `/app/assets/${script}`);
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    const css = await get(port, `/app/assets/${style}`);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');

    // The browser applies it: an inline script added to the page does not run (and is reported).
    const context = await browser.newContext();
    try {
      const probe = await context.newPage();
      await probe.goto(`http://127.0.0.1:${port}/app`);
      await probe.waitForSelector('#token:focus', { timeout: WAIT_MS });
      const inline = await probe.evaluate(`new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve({ ran: window.__inline ?? null, directive: e.effectiveDirective }));
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.append(s);
      })`);
      assert.deepEqual(inline, { ran: null, directive: 'script-src-elem' });
    } finally {
      await context.close();
    }

    for (const path of [
      '/app/assets/..%2F..%2Fpackage.json',
      '/app/assets/..%2findex.html',
      '/app/assets/%2e%2e%2F%2e%2e%2Fclients%2Fweb%2Fweb-routes.js',
      '/app/assets/../../package.json',
      '/app/../package.json',
      '/app/assets/index.html',
      '/app/index.html',
      '/app/assets/',
      '/app/assets/nope.js',
      '/app/assets/constructor',
      `/app/assets/${script}/..`,
      '/app/web-assets.js',
      '/app/%2e%2e/dist/clients/web/web-assets.js',
    ]) {
      const res = await get(port, path);
      assert.equal(res.status, 404, `${path}: ${res.status}`);
      assert.doesNotMatch(res.body, /"name": "glass-runtime"|import /, path);
    }
  });

  test('two players chat in one room: history on join, each sees the other’s lines and presence, older pages', async () => {
    // Seventy lines said before anyone opens the page: the join shows the last fifty, "older" the rest.
    const early = new GlassClient({ url: `ws://127.0.0.1:${port}/ws`, token: () => tokenFor('cal'), WebSocket });
    await early.connect();
    await early.join('tavern');
    for (let i = 1; i <= 70; i++) await early.say('tavern', `old line ${i}`);
    await early.leave('tavern');
    await early.close();

    const ann = await signedIn('ann', 'fragment');
    const bob = await signedIn('bob', 'form');
    await joinRoom(ann, 'tavern');
    const annLog = ann.locator('section.room[data-room="tavern"] .log li.line');
    await line(ann, 'tavern', 'cal', 'old line 70').waitFor({ timeout: WAIT_MS });
    assert.equal(await annLog.count(), 50);
    assert.equal(await line(ann, 'tavern', 'cal', 'old line 20').count(), 0);
    await ann.click('section.room[data-room="tavern"] button.older');
    await line(ann, 'tavern', 'cal', 'old line 1').waitFor({ timeout: WAIT_MS });
    assert.equal(await annLog.count(), 70);
    assert.equal(await annLog.first().getAttribute('data-seq'), '1');
    await ann.waitForSelector('section.room[data-room="tavern"] button.older[hidden]', { state: 'attached', timeout: WAIT_MS });

    await joinRoom(bob, 'tavern');
    await ann.waitForSelector('section.room[data-room="tavern"] .members li[data-member="bob"]', { timeout: WAIT_MS });
    await bob.waitForSelector('section.room[data-room="tavern"] .members li[data-member="ann"]', { timeout: WAIT_MS });

    await say(ann, 'tavern', 'hello bob <b>bold</b>');
    await line(bob, 'tavern', 'ann', 'hello bob <b>bold</b>').waitFor({ timeout: WAIT_MS });
    await line(ann, 'tavern', 'ann', 'hello bob <b>bold</b>').waitFor({ timeout: WAIT_MS });
    await say(bob, 'tavern', 'hi ann');
    await line(ann, 'tavern', 'bob', 'hi ann').waitFor({ timeout: WAIT_MS });
    // Text stays text.
    assert.equal(await bob.locator('section.room[data-room="tavern"] .log b').count(), 0);
    // The say box was emptied and keeps the focus: the next line is just typed.
    assert.equal(await ann.locator('section.room[data-room="tavern"] input[name="text"]').inputValue(), '');
    await ann.waitForSelector('section.room[data-room="tavern"] input[name="text"]:focus', { timeout: WAIT_MS });
    // Labelled for assistive technology.
    assert.equal(await ann.locator('section.room[data-room="tavern"] .log').getAttribute('aria-live'), 'polite');
    assert.equal(await ann.locator('section.room[data-room="tavern"] .log').getAttribute('role'), 'log');
  });

  test('a turn in a session: the narration streams in before the turn commits, and both players see it', async () => {
    const [ann, bob] = pages;
    for (const page of [ann, bob]) {
      await page.fill('#session-name', 'quest');
      await page.press('#session-name', 'Enter');
      await page.waitForSelector('section.session[data-session="quest"] input[name="text"]:focus', { timeout: WAIT_MS });
    }
    const input = ann.locator('section.session[data-session="quest"] input[name="text"]');
    await input.fill('I open the heavy door and look into the dark hall beyond it.');
    await input.press('Enter');
    const turn = (page: Page) => page.locator('section.session[data-session="quest"] li.turn[data-turn="1"]');
    // Part-way: streaming, some chunks shown (state and text read together, in the page).
    // A function, not a string: the page's CSP refuses eval, and Playwright evaluates a string with it.
    const seen = await ann.waitForFunction(
      () => {
        const item = (globalThis as any).document.querySelector('section.session[data-session="quest"] li.turn[data-turn="1"]');
        if (item === null || item.dataset.state !== 'streaming' || item.dataset.chunks === undefined) return null;
        return { text: item.querySelector('.narration').textContent as string, chunks: Number(item.dataset.chunks) };
      },
      undefined,
      { timeout: WAIT_MS, polling: 'raf' },
    );
    const { text: partial, chunks: chunksSeen } = (await seen.jsonValue()) as { text: string; chunks: number };
    assert.ok(partial.length > 0 && chunksSeen >= 1, 'some narration before the commit');
    for (const page of [ann, bob]) await page.waitForSelector('section.session[data-session="quest"] li.turn[data-turn="1"][data-state="committed"]', { timeout: WAIT_MS });
    const whole = await turn(ann).locator('.narration').innerText();
    assert.ok(whole.length > partial.length, `the narration grew after the first chunks (${partial.length} → ${whole.length} characters)`);
    assert.equal(await turn(bob).locator('.narration').innerText(), whole);
    assert.match(await turn(bob).locator('.from').innerText(), /ann/);
    assert.equal(await turn(ann).getAttribute('aria-busy'), 'false');
  });

  test("a moderator's pause mid-narration shows the turn cancelled", async () => {
    const [ann] = pages;
    await ann.fill('#session-name', 'quest-paused');
    await ann.press('#session-name', 'Enter');
    const input = ann.locator('section.session[data-session="quest-paused"] input[name="text"]');
    await input.waitFor({ timeout: WAIT_MS });
    await input.fill('I sneak past the sleeping guards towards the armoury and the old gate.');
    await input.press('Enter');
    await ann.waitForSelector('section.session[data-session="quest-paused"] li.turn[data-turn="1"][data-state="streaming"][data-chunks]', { timeout: WAIT_MS });
    const target = { kind: 'session', id: 'quest-paused' } as const;
    tellSystem(override.ref(node, overrideId(target)), { type: 'apply', target, command: { command: 'pause', reason: 'break' }, audit: { id: 92_001, hash: 'f'.repeat(64) }, by: 'mod', replyTo: node.id });
    await ann.waitForSelector('section.session[data-session="quest-paused"] li.turn[data-turn="1"][data-state="cancelled"]', { timeout: WAIT_MS });
    assert.match(await ann.locator('section.session[data-session="quest-paused"] li.turn[data-turn="1"] .status').innerText(), /cancelled by a moderator \(pause\)/);
    assert.equal(await ann.locator('section.session[data-session="quest-paused"] li.turn[data-turn="1"] .narration').innerText(), '');
  });

  test('the connection drops: the pages show reconnecting while the node is unreachable, then resume and carry on', async () => {
    const [ann, bob] = pages;
    // Every connection reset on both sides, and new ones refused, as when the node's host goes away.
    proxy.refusing = true;
    proxy.dropAll();
    for (const page of [ann, bob]) await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: WAIT_MS });
    // Said while unreachable: queued by the SDK, sent once the resume is done.
    await say(ann, 'tavern', 'said while away');
    proxy.refusing = false;
    for (const page of [ann, bob]) await page.waitForSelector('#conn[data-state="connected"]', { timeout: WAIT_MS });
    await line(bob, 'tavern', 'ann', 'said while away').waitFor({ timeout: WAIT_MS });
    await say(ann, 'tavern', 'back again');
    await line(bob, 'tavern', 'ann', 'back again').waitFor({ timeout: WAIT_MS });
    await say(bob, 'tavern', 'welcome back');
    await line(ann, 'tavern', 'bob', 'welcome back').waitFor({ timeout: WAIT_MS });
    // Each line once.
    assert.equal(await line(bob, 'tavern', 'ann', 'said while away').count(), 1);
    assert.equal(await line(ann, 'tavern', 'bob', 'hi ann').count(), 1);
    await bob.waitForSelector('section.room[data-room="tavern"] .members li[data-member="ann"]', { timeout: WAIT_MS });
    // A turn after the restart narrates too.
    const input = bob.locator('section.session[data-session="quest"] input[name="text"]');
    await input.fill('I follow ann inside.');
    await input.press('Enter');
    for (const page of [ann, bob]) await page.waitForSelector('section.session[data-session="quest"] li.turn[data-turn="2"][data-state="committed"]', { timeout: WAIT_MS });
    // No script error and no CSP refusal on either page; the browser's own failed reconnect attempts are expected.
    assert.deepEqual(problems.filter((p) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(p)), []);
  });
});

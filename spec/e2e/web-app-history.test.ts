// The player web client's older pages of a session (headless Chromium, a real node; the fixture
// turn runner, since the graph's turns are slow to make by the fifty and paging is the gateway's):
// a session of 52 turns shows its last 50 on join, and "Load older turns" brings the first two,
// through the `history` frame.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import WebSocket from 'ws';
import { startGateway, type Gateway } from '../../clients/index.js';
import { GlassClient } from '../../clients/sdk/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import { GAME_ACTORS_MODULE } from './fixtures/worker-killer.js';
import { TEST_KEYS, tokenFor } from './tokens.js';

const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 20_000;
const TURNS = 52;

describe('the player web client: older turns of a session', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let node: GlassNode;
  let gateway: Gateway;
  let dataDir: string;
  let browser: Browser;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-web-history-'));
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', actorModules: [GAME_ACTORS_MODULE], services: { turns: fixtureTurnService() } }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, rateLimit: { burst: 500, perSecond: 500 } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    await node?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('52 turns: the last 50 on join, the first two on "Load older turns"', async () => {
    const dee = new GlassClient({ url: `ws://127.0.0.1:${gateway.port}/ws`, token: () => tokenFor('dee'), WebSocket });
    try {
      await dee.connect();
      await dee.joinSession('saga');
      for (let i = 1; i <= TURNS; i++) {
        const committed = new Promise<void>((resolve) => {
          const off = dee.on('turn-committed', (t) => {
            if (t.session === 'saga' && t.turn === i) (off(), resolve());
          });
        });
        assert.equal(await dee.turn('saga', `step ${i}`), i);
        await committed;
      }
    } finally {
      await dee.close();
    }

    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${gateway.port}/app#token=${await tokenFor('eve')}`);
    await page.waitForSelector('#conn[data-state="connected"]', { timeout: WAIT_MS });
    await page.fill('#session-name', 'saga');
    await page.press('#session-name', 'Enter');
    const turns = page.locator('section.session[data-session="saga"] li.turn');
    await page.waitForSelector(`section.session[data-session="saga"] li.turn[data-turn="${TURNS}"][data-state="committed"]`, { timeout: WAIT_MS });
    assert.equal(await turns.count(), 50);
    assert.equal(await turns.first().getAttribute('data-turn'), '3');
    await page.click('section.session[data-session="saga"] button.older');
    await page.waitForSelector('section.session[data-session="saga"] li.turn[data-turn="1"][data-state="committed"]', { timeout: WAIT_MS });
    assert.equal(await turns.count(), TURNS);
    assert.deepEqual((await turns.evaluateAll((items) => items.map((i) => Number(i.getAttribute('data-turn'))))).slice(0, 3), [1, 2, 3]);
    assert.match(await turns.first().locator('.text').innerText(), /^step 1$/);
    assert.ok((await turns.first().locator('.narration').innerText()).length > 0);
    await page.waitForSelector('section.session[data-session="saga"] button.older[hidden]', { state: 'attached', timeout: WAIT_MS });
    await page.close();
  });
});

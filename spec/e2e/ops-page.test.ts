import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ErrorCodes, type GlassError } from '../../runtime/index.js';
import { picky } from '../fixtures/crash-actors.js';
import { startOpsNode, type OpsNode } from './ops-harness.js';

const CHROMIUM = '/usr/bin/chromium';

describe('the /ops page in headless Chromium, live over its WebSocket', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let ops: OpsNode;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;

  before(async () => {
    ops = await startOpsNode('ops-page');
    profile = await mkdtemp(join(tmpdir(), 'glass-ops-chromium-'));
    // A fresh profile directory (--user-data-dir): playwright passes it for a persistent context.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  after(async () => {
    await browser?.close();
    await ops?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test('without the ops role the page is refused', async () => {
    const res = await page.goto(`${ops.base}/ops?token=${await ops.token(['player', 'moderator'], 'eve')}`);
    assert.equal(res?.status(), 403);
    assert.match(await page.content(), /GLASS_ERR_FORBIDDEN/);
  });

  test('shows a worker’s tree, then a poison message’s restart and quarantine appear live; re-drive from the page', async () => {
    const victim = 'poison-page-1';
    const thread = ops.node.threadOf(victim);
    await page.goto(`${ops.base}/ops?token=${await ops.token(['ops'])}`);
    await page.waitForSelector('#conn[data-state="live"]');
    // The tree: both workers of the node, running.
    await page.waitForSelector(`.worker[data-node="ops-page"][data-thread="1"][data-status="running"]`);
    await page.waitForSelector(`.worker[data-node="ops-page"][data-thread="2"][data-status="running"]`);
    assert.equal(await page.locator('#quarantine-empty').count(), 1);
    assert.equal(await page.locator(`tr.actor[data-actor="picky:${victim}"]`).count(), 0);

    // Kill the actor with a poison message (fails twice: restarted once, then quarantined).
    await assert.rejects(picky.ref(ops.node, victim).ask({ type: 'work', n: -1 }), (err: GlassError) => err.code === ErrorCodes.QUARANTINED);
    // Shown as soon as it failed; the restart count follows with the next view.
    const row = page.locator(`.worker[data-thread="${thread}"] tr.actor[data-actor="picky:${victim}"]:not([data-restarts="0"])`);
    await row.first().waitFor();
    assert.ok(Number(await row.first().getAttribute('data-restarts')) >= 1, 'restart shown');
    assert.match(await row.first().innerText(), /cannot work on -1/);
    const group = page.locator(`.worker[data-thread="${thread}"] tr.group[data-kind="picky"]`);
    await group.waitFor();
    assert.match(await group.innerText(), /cannot work on -1/);
    const quarantined = page.locator(`tr.q[data-to="picky:${victim}"]`);
    await quarantined.waitFor();
    assert.match(await quarantined.innerText(), /work[\s\S]*cannot work on -1[\s\S]*2/);

    // Expanding the kind lists its actors, searchable by id.
    await group.click();
    await page.waitForSelector(`tr.group.open[data-kind="picky"] ~ tr.actor[data-actor="picky:${victim}"]`);
    await page.fill('#search-q', 'poison-page');
    await page.click('#search button');
    await page.waitForSelector(`#search-body tr.actor[data-actor="picky:${victim}"]`);

    // Fix the bug on that worker, then re-drive from the page: the row leaves the quarantine.
    const fixer = Array.from({ length: 200 }, (_, i) => `page-fixer-${i}`).find((id) => ops.node.threadOf(id) === thread)!;
    await picky.ref(ops.node, fixer).ask({ type: 'fix' });
    await quarantined.locator('button[data-act="redrive"]').click();
    await page.waitForSelector('#toast.show');
    assert.match(await page.locator('#toast').innerText(), /redrive on ops-page: done/);
    await page.waitForSelector('#quarantine-empty');
    assert.deepEqual(await picky.ref(ops.node, victim).ask({ type: 'done' }), [-1]);
  });
  test('values from a node report are shown as text: an actor id carrying markup creates no element and runs nothing', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    // The actor exists (kept in memory) with that id, so the tree, its expansion and the search all carry it.
    assert.deepEqual(await picky.ref(ops.node, hostile).ask({ type: 'done' }), []);
    await page.goto(`${ops.base}/ops?token=${await ops.token(['ops'])}`);
    await page.waitForSelector('#conn[data-state="live"]');
    const thread = ops.node.threadOf(hostile);
    const group = page.locator(`.worker[data-thread="${thread}"] tr.group[data-kind="picky"]`);
    await group.waitFor();
    await group.click();
    await page.waitForSelector(`tr.group.open[data-kind="picky"] ~ tr.actor[data-node="ops-page"]`);
    await page.fill('#search-q', 'onerror');
    await page.click('#search button');
    const found = page.locator('#search-body tr.actor').first();
    await found.waitFor();
    // The id is the row's text and its attribute value, character for character.
    assert.equal(await found.getAttribute('data-actor'), `picky:${hostile}`);
    assert.ok((await found.innerText()).includes(`picky:${hostile}`));
    const expandedRow = page.locator('tr.group.open[data-kind="picky"] ~ tr.actor').filter({ hasText: 'onerror' });
    assert.equal(await expandedRow.count(), 1);
    // Nothing was parsed from it: no <img> or inline <script> in the document, and the flag was never set.
    // A string: the spec is compiled without the DOM library.
    const seen = await page.evaluate(`({
      images: document.querySelectorAll('img').length,
      inlineScripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
      pwned: window.__pwned ?? null,
    })`);
    assert.deepEqual(seen, { images: 0, inlineScripts: 0, pwned: null });
  });
});

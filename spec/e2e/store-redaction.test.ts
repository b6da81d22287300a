import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditLog, startGateway, type Gateway } from '../../clients/index.js';
import { DEFAULT_COUCH_DB, EMBEDDED_COUCH_SECRET_ENV, EMBEDDED_COUCH_USER, startDefaultNode } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import { nodeReadiness, type GlassNode } from '../../runtime/node/index.js';
import { dropSchema, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

/**
 * The store a node embeds, read as an intruder with the secret would: the child's pid from the
 * node's readiness, its secret from its environment (this test runs as the same user), its
 * port from the readiness too.
 */
function storeAccess(node: GlassNode, storeUrl: string): { base: string; headers: Record<string, string> } {
  const pid = nodeReadiness(node).checks.store.pid as number;
  const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((v) => v.startsWith(`${EMBEDDED_COUCH_SECRET_ENV}=`))!;
  const secret = entry.slice(EMBEDDED_COUCH_SECRET_ENV.length + 1);
  return { base: `${storeUrl}/${DEFAULT_COUCH_DB}`, headers: { authorization: `Basic ${Buffer.from(`${EMBEDDED_COUCH_USER}:${secret}`).toString('base64')}` } };
}

describe('a moderator\'s redact leaves no readable copy of the line in the embedded store', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let storeUrl: string;
  /** Teardown, last opened first. */
  const undo: (() => Promise<unknown>)[] = [];

  before(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-redact-'));
    undo.push(() => rm(dataDir, { recursive: true, force: true }));
    const schema = uniqueSchema('e2e_redact');
    undo.push(() => dropSchema(schema));
    node = await startDefaultNode({ workers: 2, logLevel: 'silent' }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    undo.push(() => node.close());
    const audit = AuditLog.open({ url: await testPgUrl(), schema, logger: createLogger('test', 'silent') });
    undo.push(() => audit.close());
    await audit.whenReady();
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit });
    undo.push(() => gateway.close());
    storeUrl = `http://127.0.0.1:${nodeReadiness(node).checks.store.port as number}`;
  });

  after(async () => {
    for (const step of undo.reverse()) await step().catch(() => {});
  });

  test('redact through POST /api/overrides: the room document\'s earlier revisions, its changes and every document lack the text', async () => {
    const wsUrl = `ws://127.0.0.1:${gateway.port}/ws`;
    const gus = await TestClient.connect(wsUrl, 'gus-x');
    undo.push(() => gus.close());
    await gus.join('cellar');
    const secret = 'the password to the vault is swordfish';
    for (const text of ['hello', secret, 'after one', 'after two']) {
      gus.send({ type: 'say', room: 'cellar', text });
      await gus.next('said', (f) => f.line.text === text);
    }
    const { base, headers } = storeAccess(node, storeUrl);
    const doc = `${base}/${encodeURIComponent('room:cellar')}`;
    const before = await (await fetch(doc, { headers })).text();
    assert.match(before, /swordfish/, 'the line is in the store before the redaction');
    const seq = (gus.seen.find((f) => f.type === 'said' && f.line.text === secret) as { line: { seq: number } }).line.seq;
    const res = await fetch(`http://127.0.0.1:${gateway.port}/api/overrides`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor('mod-x', { roles: ['moderator'] })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'cellar', command: 'redact', seq, reason: 'secret' }),
    });
    assert.equal(res.status, 200);
    await gus.next('moderated', (f) => f.command === 'redact');
    // The current revision and its ancestors: none holds the text, none but the current is readable.
    const withRevs = JSON.parse(await (await fetch(`${doc}?revs=true`, { headers })).text()) as { _rev: string; _revisions: { start: number; ids: string[] } };
    assert.doesNotMatch(JSON.stringify(withRevs), /swordfish/);
    const { start, ids } = withRevs._revisions;
    for (const [i, id] of ids.entries()) {
      const rev = `${start - i}-${id}`;
      const old = await fetch(`${doc}?rev=${rev}`, { headers });
      const text = await old.text();
      assert.doesNotMatch(text, /swordfish/, rev);
      if (rev !== withRevs._rev) assert.equal(old.status, 404, `${rev} is not readable: ${text}`);
    }
    // The room went through more generations than the stemmed tree names: the older ones are gone with their bodies.
    const generation = Number(withRevs._rev.split('-')[0]);
    assert.ok(generation > ids.length, `the room was saved ${generation} times`);
    for (const query of ['open_revs=all', 'revs_info=true', 'conflicts=true&deleted_conflicts=true']) {
      assert.doesNotMatch(await (await fetch(`${doc}?${query}`, { headers })).text(), /swordfish/, query);
    }
    assert.doesNotMatch(await (await fetch(`${base}/_changes?style=all_docs&include_docs=true`, { headers })).text(), /swordfish/);
    assert.doesNotMatch(await (await fetch(`${base}/_all_docs?include_docs=true`, { headers })).text(), /swordfish/);
  });
});

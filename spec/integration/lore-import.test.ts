// glass lore import: the sample world's Markdown and JSON into the embedded CouchDB, idempotent,
// then indexed from _changes; the parsers refuse what is not lore.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChangesIndexer, DEFAULT_COUCH_DB, PgSearchIndex, jsonEntries, markdownEntry, readLoreDir, startEmbeddedCouch } from '../../cluster/index.js';
import { sql, testPgUrl, uniqueSchema } from './audit-harness.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../../docs/sample-world/', import.meta.url));
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

function glass(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GLASS, ...args], { env: { ...process.env, COUCHDB_URL: '', ...env } }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code ?? 1), stdout, stderr }));
  });
}

test('Markdown with and without front matter, JSON arrays; names and sizes are checked', () => {
  const md = markdownEntry('---\ntitle: "The Gate"\ntags: [place, old]\n---\nStone.\n', 'gate.md', 'ashfall');
  assert.deepEqual(md, { id: 'lore:ashfall:gate', world: 'ashfall', slug: 'gate', state: { title: 'The Gate', body: 'Stone.', tags: ['place', 'old'], source: 'gate.md' } });
  const plain = markdownEntry('# Salt Flats\n\nWhite.', 'Salt Flats.md', 'ashfall');
  assert.equal(plain.id, 'lore:ashfall:salt-flats');
  assert.equal(plain.state.title, 'Salt Flats');
  assert.equal(plain.state.body, 'White.');
  assert.deepEqual(jsonEntries('[{"title":"A","body":"a"},{"title":"B b","body":"b","world":"rimeholt"}]', 'x.json', 'ashfall').map((e) => e.id), ['lore:ashfall:a', 'lore:rimeholt:b-b']);
  assert.throws(() => markdownEntry('---\nworld: ../etc\n---\nx', 'a.md', 'ashfall'), /lower-case names/);
  assert.throws(() => jsonEntries('[{"title":1}]', 'x.json', 'ashfall'), /title and body/);
  assert.throws(() => jsonEntries('{"title":"t","body":"b","tags":[1]}', 'x.json', 'ashfall'), /tags/);
});

test('a bad file is reported and skipped; the others are read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glass-lore-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'good.md'), '# Good\n\nfine');
  await writeFile(join(dir, 'bad.json'), '{not json');
  await writeFile(join(dir, 'huge.md'), 'x'.repeat(300 * 1024));
  const { entries, problems } = await readLoreDir(dir, 'w');
  assert.deepEqual(entries.map((e) => e.id), ['lore:w:good']);
  assert.deepEqual(problems.map((p) => p.source).sort(), ['bad.json', 'huge.md']);
});

test('glass lore import writes the sample world once, then finds it unchanged; the indexer makes it searchable', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'glass-lore-couch-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const first = await glass(['lore', 'import', SAMPLE, '--world', 'ashfall'], { GLASS_DATA_DIR: dataDir });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /15 written, 0 unchanged, 0 skipped/);
  const again = await glass(['lore', 'import', SAMPLE, '--world', 'ashfall'], { GLASS_DATA_DIR: dataDir });
  assert.match(again.stdout, /0 written, 15 unchanged/);

  const couch = await startEmbeddedCouch({ dataDir });
  cleanup.push(() => couch.close());
  const schema = uniqueSchema('lore_import');
  const index = new PgSearchIndex({ url: await testPgUrl(), schema });
  cleanup.push(() => sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  cleanup.push(() => index.close());
  const indexer = new ChangesIndexer({ couchUrl: couch.url, db: DEFAULT_COUCH_DB, index, longpollMs: 500 }).start();
  cleanup.push(() => indexer.close());
  const status = await indexer.caughtUp();
  assert.equal(status.indexed, 15);
  assert.deepEqual((await index.search({ text: 'silver key', kind: 'lore' })).map((h) => h.id)[0], 'lore:ashfall:drowned-lighthouse');
  // Two typos, found through the lore lexicon.
  assert.equal((await index.search({ text: 'obsidain tempel' }))[0]?.id, 'lore:ashfall:obsidian-temple');
});

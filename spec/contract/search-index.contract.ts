import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SearchLimits, type SearchDocument, type SearchIndex } from '../../runtime/index.js';

export function lore(slug: string, title: string, body: string, extra: Partial<SearchDocument> = {}): SearchDocument {
  return { id: `lore:ashfall:${slug}`, kind: 'lore', world: 'ashfall', session: null, title, body, tags: [], updatedAt: 1_700_000_000_000, ...extra };
}

export function turn(session: string, n: number, body: string): SearchDocument {
  return { id: `session:${session}#${n}`, kind: 'transcript', world: null, session: `session:${session}`, title: `turn ${n}`, body, tags: [], updatedAt: 1_700_000_000_000 + n };
}

const SAMPLE: SearchDocument[] = [
  lore('obsidian-temple', 'The Obsidian Temple', 'A temple of black glass where the dragon priests keep the ember of the first fire.', { tags: ['place', 'dragon'] }),
  lore('ember-road', 'The Ember Road', 'Caravans follow the road between the salt flats and the temple, paying tolls in copper.', { tags: ['road'] }),
  lore('mirel', 'Mirel the Cartographer', 'A mapmaker who charted the marsh and sold her maps to smugglers.', { tags: ['person'] }),
  lore('frost-isles', 'The Frost Isles', 'Islands of ice in the north, far from any dragon.', { world: 'rimeholt', id: 'lore:rimeholt:frost-isles', tags: ['place'] }),
  turn('s1', 1, 'I walk into the obsidian temple and greet the priests.'),
  turn('s1', 2, 'I ask Mirel about the marsh maps.'),
  turn('s2', 1, 'We sail for the frost isles at dawn.'),
];

/**
 * What every SearchIndex must do. `createIndex` gives a fresh, empty index per test; it is closed
 * after each test.
 */
export function searchIndexContract(name: string, createIndex: () => Promise<SearchIndex>): void {
  describe(`SearchIndex contract: ${name}`, () => {
    async function withIndex(body: (index: SearchIndex) => Promise<void>, docs: SearchDocument[] = SAMPLE): Promise<void> {
      const index = await createIndex();
      try {
        await index.upsert(docs);
        await body(index);
      } finally {
        await index.close();
      }
    }

    test('a word of a body finds its document, with the word marked in the highlight', () =>
      withIndex(async (index) => {
        const hits = await index.search({ text: 'smugglers' });
        assert.deepEqual(hits.map((h) => h.id), ['lore:ashfall:mirel']);
        assert.equal(hits[0].title, 'Mirel the Cartographer');
        assert.equal(hits[0].kind, 'lore');
        assert.equal(hits[0].world, 'ashfall');
        assert.match(hits[0].highlight, /\[\[smugglers\]\]/i);
        assert.equal(typeof hits[0].score, 'number');
        assert.equal(hits[0].updatedAt, 1_700_000_000_000);
      }));

    test('stemming: "temples" finds "temple"; a title match ranks above a body match', () =>
      withIndex(async (index) => {
        const hits = await index.search({ text: 'temples', kind: 'lore' });
        assert.deepEqual(hits.map((h) => h.id), ['lore:ashfall:obsidian-temple', 'lore:ashfall:ember-road']);
      }));

    test('filters: kind, world and session', () =>
      withIndex(async (index) => {
        assert.deepEqual((await index.search({ text: 'frost isles', kind: 'lore' })).map((h) => h.id), ['lore:rimeholt:frost-isles']);
        assert.deepEqual((await index.search({ text: 'frost isles', kind: 'transcript' })).map((h) => h.id), ['session:s2#1']);
        assert.deepEqual((await index.search({ text: 'dragon', world: 'rimeholt' })).map((h) => h.id), ['lore:rimeholt:frost-isles']);
        const s1 = await index.search({ text: 'obsidian temple', session: 'session:s1' });
        assert.deepEqual(s1.map((h) => h.id), ['session:s1#1']);
        assert.equal(s1[0].session, 'session:s1');
        assert.equal(s1[0].world, null);
      }));

    test('websearch syntax: a quoted phrase and an excluded word', () =>
      withIndex(async (index) => {
        assert.deepEqual((await index.search({ text: '"black glass"' })).map((h) => h.id), ['lore:ashfall:obsidian-temple']);
        const noDragon = await index.search({ text: 'temple -dragon', kind: 'lore' });
        assert.deepEqual(noDragon.map((h) => h.id), ['lore:ashfall:ember-road']);
      }));

    test('a query with two typos still finds its document', () =>
      withIndex(async (index) => {
        const hits = await index.search({ text: 'obsidain tempel', kind: 'lore' });
        assert.ok(hits.length >= 1, 'found nothing');
        assert.equal(hits[0].id, 'lore:ashfall:obsidian-temple');
      }));

    test('limit bounds the answer; nothing matching gives an empty answer', () =>
      withIndex(async (index) => {
        const many: SearchDocument[] = Array.from({ length: 30 }, (_, i) => lore(`lantern-${i}`, `Lantern ${i}`, 'A lantern that burns without oil.'));
        await index.upsert(many);
        assert.equal((await index.search({ text: 'lantern', limit: 5 })).length, 5);
        assert.equal((await index.search({ text: 'lantern' })).length, SearchLimits.defaultResults);
        assert.deepEqual(await index.search({ text: 'zzyzx' }), []);
      }));

    test('upsert replaces a document: its old words no longer find it', () =>
      withIndex(async (index) => {
        await index.upsert([lore('mirel', 'Mirel the Cartographer', 'She retired to a lighthouse.')]);
        assert.deepEqual(await index.search({ text: 'smugglers' }), []);
        assert.deepEqual((await index.search({ text: 'lighthouse' })).map((h) => h.id), ['lore:ashfall:mirel']);
      }));

    test('delete and deleteSession remove documents; unknown ids are ignored', () =>
      withIndex(async (index) => {
        await index.delete(['lore:ashfall:mirel', 'lore:nowhere:nothing']);
        assert.deepEqual((await index.search({ text: 'marsh', kind: 'lore' })).map((h) => h.id), []);
        await index.deleteSession('session:s1');
        assert.deepEqual((await index.search({ text: 'obsidian', kind: 'transcript' })).map((h) => h.id), []);
        assert.deepEqual((await index.search({ text: 'frost', kind: 'transcript' })).map((h) => h.id), ['session:s2#1']);
      }));

    test('bad queries are refused with GLASS_ERR_SEARCH_INVALID_QUERY', () =>
      withIndex(async (index) => {
        for (const q of [{ text: '' }, { text: '   ' }, { text: 'x'.repeat(SearchLimits.maxQueryLength + 1) }, { text: 'a', limit: 0 }, { text: 'a', limit: SearchLimits.maxResults + 1 }, { text: 'a', limit: 1.5 }, { text: 'a', kind: 'secret' }, { text: 'a', world: "x' OR 1=1" }, { text: 42 }]) {
          await assert.rejects(index.search(q as never), { code: 'GLASS_ERR_SEARCH_INVALID_QUERY' }, JSON.stringify(q));
        }
      }));

    test('hostile text is only text: quotes, operators and SQL find nothing and break nothing', () =>
      withIndex(async (index) => {
        for (const text of ["'; DROP TABLE glass_search_docs; --", '!!! & | <-> :*', '"unclosed', '\\', 'temple\u0000\ud800']) {
          assert.ok(Array.isArray(await index.search({ text })), text);
        }
        assert.deepEqual((await index.search({ text: 'smugglers' })).map((h) => h.id), ['lore:ashfall:mirel']);
      }));

    test('a bad document refuses the whole upsert with GLASS_ERR_SEARCH_INVALID_DOCUMENT', () =>
      withIndex(async (index) => {
        const good = lore('lighthouse', 'The Lighthouse', 'A beacon on the cliffs.');
        for (const bad of [{ ...good, id: '' }, { ...good, kind: 'secret' }, { ...good, body: 'x'.repeat(SearchLimits.maxBodyLength + 1) }, { ...good, tags: 'no' }, { ...good, updatedAt: -1 }, null]) {
          await assert.rejects(index.upsert([good, bad as never]), { code: 'GLASS_ERR_SEARCH_INVALID_DOCUMENT' });
        }
        assert.deepEqual(await index.search({ text: 'beacon' }), []);
      }, []));

    test('the checkpoint of a feed is kept and replaced', () =>
      withIndex(async (index) => {
        assert.equal(await index.readCheckpoint('couch'), null);
        await index.writeCheckpoint('couch', '12-abc');
        await index.writeCheckpoint('couch', '15-def');
        await index.writeCheckpoint('other', '1');
        assert.equal(await index.readCheckpoint('couch'), '15-def');
        assert.equal(await index.readCheckpoint('other'), '1');
      }, []));

    test('a batch of the most documents one call takes, with long bodies, is written in one call', () =>
      withIndex(async (index) => {
        const long = 'ember '.repeat(400);
        await index.upsert(Array.from({ length: SearchLimits.maxBatch }, (_, i) => turn('big', i + 1, `${long} lantern${i}`)));
        assert.deepEqual((await index.search({ text: 'lantern999', kind: 'transcript' })).map((h) => h.id), ['session:big#1000']);
      }, []));

    test('a closed index refuses with GLASS_ERR_SEARCH_CLOSED', async () => {
      const index = await createIndex();
      await index.close();
      await assert.rejects(index.search({ text: 'temple' }), { code: 'GLASS_ERR_SEARCH_CLOSED' });
    });
  });
}

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { session } from '../../actors/index.js';
import { AuditLog, ProtocolErrors, startGateway, type Gateway } from '../../clients/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { dropSchema, sql, testPgUrl, uniqueSchema } from '../integration/audit-harness.js';
import { fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

interface AuditRowView {
  id: string;
  moderator: string;
  source: string;
  outcome: string;
  code: string | null;
  target_kind: string | null;
  target_id: string | null;
  command: string | null;
  args: Record<string, unknown>;
  hash: string;
}

describe('moderation end to end (2 workers, embedded CouchDB, uWS, PostgreSQL audit log)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let audit: AuditLog;
  let schema: string;
  let dataDir: string;
  let wsUrl: string;
  let httpUrl: string;
  const clients: TestClient[] = [];

  async function connect(player: string, roles: ('player' | 'moderator' | 'ops')[] = ['player']): Promise<TestClient> {
    const client = await TestClient.connect(wsUrl, player, { roles });
    clients.push(client);
    return client;
  }

  async function api(token: string, body: unknown, path = '/api/overrides', method = 'POST'): Promise<{ status: number; json: any }> {
    const res = await fetch(httpUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
    });
    return { status: res.status, json: await res.json() };
  }

  async function modToken(id = 'mod-api'): Promise<string> {
    return tokenFor(id, { roles: ['moderator'] });
  }

  function auditRows(where: string, params: unknown[]): Promise<AuditRowView[]> {
    return sql<AuditRowView>(`SELECT * FROM "${schema}".glass_audit_log WHERE ${where} ORDER BY id`, params);
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-mod-'));
    node = await startDefaultNode({ workers: 2, logLevel: 'silent', services: { turns: fixtureTurnService() } }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    schema = uniqueSchema('e2e_mod');
    audit = AuditLog.open({ url: await testPgUrl(), schema, logger: createLogger('test', 'silent'), key: 'moderation-test-audit-key-0123456789abcdef', anchor: null });
    await audit.whenReady();
    // A high rate limit: the priority test queues hundreds of lines from one player.
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, audit, rateLimit: { burst: 2_000, perSecond: 2_000 } });
    wsUrl = `ws://127.0.0.1:${gateway.port}/ws`;
    httpUrl = `http://127.0.0.1:${gateway.port}`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await node?.close();
    await audit?.close();
    if (schema !== undefined) await dropSchema(schema);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('mute over the WebSocket: members see it with its audit ref, the muted say is refused, unmute lifts it', async () => {
    const alice = await connect('alice-m');
    const bob = await connect('bob-m');
    const mod = await connect('warden-m', ['moderator']);
    await alice.join('hall-m');
    await bob.join('hall-m');

    mod.send({ type: 'override', room: 'hall-m', command: 'mute', player: 'bob-m', reason: 'spam', ref: 'mute-1' });
    const applied = await mod.next('override-applied', (f) => f.ref === 'mute-1');
    assert.equal(applied.room, 'hall-m');
    assert.equal(applied.command, 'mute');
    const [toAlice, toBob] = await Promise.all([alice.next('moderated'), bob.next('moderated')]);
    assert.deepEqual(toAlice, { type: 'moderated', room: 'hall-m', command: 'mute', player: 'bob-m', reason: 'spam', audit: applied.audit });
    assert.deepEqual(toBob, toAlice);

    const [row] = await auditRows('id = $1', [applied.audit.id]);
    assert.equal(row.hash, applied.audit.hash);
    assert.deepEqual([row.outcome, row.moderator, row.source, row.target_kind, row.target_id, row.command], ['accepted', 'warden-m', 'ws', 'room', 'hall-m', 'mute']);
    assert.deepEqual(row.args, { player: 'bob-m', reason: 'spam' });

    const refused = await bob.expectError({ type: 'say', room: 'hall-m', text: 'let me talk', ref: 'b1' }, 'b1');
    assert.equal(refused.code, ProtocolErrors.MUTED);
    alice.send({ type: 'say', room: 'hall-m', text: 'still here' });
    assert.equal((await bob.next('said')).line.text, 'still here');

    mod.send({ type: 'override', room: 'hall-m', command: 'unmute', player: 'bob-m', reason: 'calmed down', ref: 'unmute-1' });
    await mod.next('override-applied', (f) => f.ref === 'unmute-1');
    bob.send({ type: 'say', room: 'hall-m', text: 'thanks' });
    assert.equal((await alice.next('said', (f) => f.line.from === 'bob-m')).line.text, 'thanks');
  });

  test('kick over the HTTP API: the kicked player is told and drops out, the others see it leave', async () => {
    const carol = await connect('carol-k');
    const dan = await connect('dan-k');
    await carol.join('yard-k');
    await dan.join('yard-k');
    const { status, json } = await api(await modToken(), { room: 'yard-k', command: 'kick', player: 'dan-k', reason: 'harassment' });
    assert.equal(status, 200);
    assert.equal(json.room, 'yard-k');
    assert.equal(json.command, 'kick');
    const told = await dan.next('moderated');
    assert.equal(told.command, 'kick');
    assert.deepEqual(told.audit, json.audit);
    const left = await carol.next('presence', (f) => f.left === 'dan-k');
    assert.deepEqual(left.members, ['carol-k']);
    const token = await dan.next('resume-token', (f) => !f.rooms.includes('yard-k'));
    assert.deepEqual(token.rooms, []);
    const err = await dan.expectError({ type: 'say', room: 'yard-k', text: 'hey', ref: 'd1' }, 'd1');
    assert.equal(err.code, ProtocolErrors.NOT_IN_ROOM);
  });

  test('a redact over the HTTP API of a seq not reached yet is refused with GLASS_ERR_SEQ_NOT_REACHED, audited as refused', async () => {
    const ida = await connect('ida-a');
    await ida.join('attic-a');
    ida.send({ type: 'say', room: 'attic-a', text: 'one' });
    const first = await ida.next('said');
    const mod = await modToken('mod-ahead');
    const ahead = await api(mod, { room: 'attic-a', command: 'redact', seq: first.line.seq + 1, reason: 'pre-emptive' });
    assert.equal(ahead.status, 409);
    assert.equal(ahead.json.code, ProtocolErrors.SEQ_NOT_REACHED);
    const rows = await auditRows('target_id = $1', ['attic-a']);
    assert.deepEqual(rows.map((r) => [r.outcome, r.code, r.moderator, r.source, r.command]), [['refused', ProtocolErrors.SEQ_NOT_REACHED, 'mod-ahead', 'api', 'redact']]);
    assert.deepEqual(rows[0].args, { seq: first.line.seq + 1, reason: 'pre-emptive' });
    // The line that then gets that seq stays as said; a reached seq is applied.
    ida.send({ type: 'say', room: 'attic-a', text: 'two' });
    const second = await ida.next('said', (f) => f.line.seq === first.line.seq + 1);
    assert.equal(second.line.text, 'two');
    const reached = await api(mod, { room: 'attic-a', command: 'redact', seq: second.line.seq, reason: 'slur' });
    assert.equal(reached.status, 200);
    assert.equal((await ida.next('moderated', (f) => f.command === 'redact')).seq, second.line.seq);
    assert.equal(ida.seen.filter((f) => f.type === 'moderated' && f.command === 'redact').length, 1);
    // A session that has no turns yet: nothing to redact.
    const none = await api(mod, { session: 'saga-a', command: 'redact', seq: 1, reason: 'ahead' });
    assert.equal(none.status, 409);
    assert.equal(none.json.code, ProtocolErrors.SEQ_NOT_REACHED);
    assert.deepEqual((await auditRows('target_id = $1', ['saga-a'])).map((r) => [r.outcome, r.code]), [['refused', ProtocolErrors.SEQ_NOT_REACHED]]);
  });

  test('pause and resume a room; lock and unlock it', async () => {
    const erin = await connect('erin-p');
    const fay = await connect('fay-p');
    const mod = await modToken();
    await erin.join('den-p');

    assert.equal((await api(mod, { room: 'den-p', command: 'pause', reason: 'break' })).status, 200);
    assert.equal((await erin.next('moderated')).command, 'pause');
    assert.equal((await erin.expectError({ type: 'say', room: 'den-p', text: 'hello?', ref: 'e1' }, 'e1')).code, ProtocolErrors.PAUSED);
    assert.equal((await api(mod, { room: 'den-p', command: 'resume', reason: 'back' })).status, 200);
    erin.send({ type: 'say', room: 'den-p', text: 'back on' });
    assert.equal((await erin.next('said')).line.text, 'back on');

    assert.equal((await api(mod, { room: 'den-p', command: 'lock', reason: 'private scene' })).status, 200);
    assert.equal((await fay.expectError({ type: 'join', room: 'den-p', ref: 'f1' }, 'f1')).code, ProtocolErrors.ROOM_LOCKED);
    // A member keeps talking, and a moderator may still come in.
    erin.send({ type: 'say', room: 'den-p', text: 'just us' });
    assert.equal((await erin.next('said')).line.text, 'just us');
    const warden = await connect('warden-p', ['moderator']);
    assert.deepEqual((await warden.join('den-p')).members, ['erin-p', 'warden-p']);
    assert.equal((await api(mod, { room: 'den-p', command: 'unlock', reason: 'open again' })).status, 200);
    assert.deepEqual((await fay.join('den-p')).members, ['erin-p', 'warden-p', 'fay-p']);
  });

  test('redact blanks a line on every client and in the history; narrate adds a gm line in seq; a note reaches the members', async () => {
    const gus = await connect('gus-r');
    const hal = await connect('hal-r');
    await gus.join('inn-r');
    await hal.join('inn-r');
    gus.send({ type: 'say', room: 'inn-r', text: 'something awful' });
    const line = (await hal.next('said')).line;
    const mod = await modToken();

    const redacted = await api(mod, { room: 'inn-r', command: 'redact', seq: line.seq, reason: 'slur' });
    assert.equal(redacted.status, 200);
    for (const c of [gus, hal]) assert.deepEqual(await c.next('moderated'), { type: 'moderated', room: 'inn-r', command: 'redact', seq: line.seq, reason: 'slur', audit: redacted.json.audit });

    const narrated = await api(mod, { room: 'inn-r', command: 'narrate', text: 'The lanterns gutter.' });
    assert.equal(narrated.status, 200);
    const told = await hal.next('moderated');
    assert.deepEqual({ ...told.line, at: 0 }, { seq: line.seq + 1, from: 'gm', text: 'The lanterns gutter.', at: 0, narration: true });
    gus.send({ type: 'say', room: 'inn-r', text: 'ok' });
    assert.equal((await hal.next('said')).line.seq, line.seq + 2);

    const noted = await api(mod, { room: 'inn-r', command: 'note', text: 'Content note: the next scene involves fire.' });
    assert.equal(noted.status, 200);
    assert.equal((await gus.next('moderated', (f) => f.command === 'note')).text, 'Content note: the next scene involves fire.');

    const ida = await connect('ida-r');
    const joined = await ida.join('inn-r');
    assert.deepEqual(
      joined.history.map((l) => [l.seq, l.from, l.text, l.redacted ?? false, l.narration ?? false]),
      [
        [line.seq, 'gus-r', '', true, false],
        [line.seq + 1, 'gm', 'The lanterns gutter.', false, true],
        [line.seq + 2, 'gus-r', 'ok', false, false],
      ],
    );
  });

  test('a session: mute and pause refuse turns, narrate and redact change the transcript; members see each override', async () => {
    const jo = await connect('jo-s');
    const mod = await connect('warden-s', ['moderator']);
    jo.send({ type: 'join-session', session: 'tale-s', ref: 'j' });
    await jo.next('session-joined', (f) => f.ref === 'j');
    jo.send({ type: 'turn', session: 'tale-s', text: 'I light a fire.', ref: 't1' });
    assert.equal((await jo.next('turn-accepted', (f) => f.ref === 't1')).turn, 1);
    await jo.next('turn-committed', (f) => f.turn === 1);

    const send = async (frame: Record<string, unknown>, ref: string) => {
      mod.send({ type: 'override', session: 'tale-s', ...frame, ref });
      return mod.next('override-applied', (f) => f.ref === ref);
    };
    assert.equal((await send({ command: 'mute', player: 'jo-s', reason: 'spam' }, 'o1')).session, 'tale-s');
    assert.equal((await jo.next('session-moderated', (f) => f.command === 'mute')).player, 'jo-s');
    assert.equal((await jo.expectError({ type: 'turn', session: 'tale-s', text: 'again', ref: 't2' }, 't2')).code, ProtocolErrors.MUTED);
    await send({ command: 'unmute', player: 'jo-s', reason: 'ok' }, 'o2');
    await send({ command: 'pause', reason: 'safety check' }, 'o3');
    assert.equal((await jo.expectError({ type: 'turn', session: 'tale-s', text: 'again', ref: 't3' }, 't3')).code, ProtocolErrors.PAUSED);
    await send({ command: 'resume', reason: 'fine' }, 'o4');
    await send({ command: 'redact', seq: 1, reason: 'arson' }, 'o5');
    await send({ command: 'narrate', text: 'Rain falls.' }, 'o6');
    jo.send({ type: 'turn', session: 'tale-s', text: 'I wait.', ref: 't4' });
    assert.equal((await jo.next('turn-accepted', (f) => f.ref === 't4')).turn, 3);
    await jo.next('turn-committed', (f) => f.turn === 3);
    assert.equal((await jo.next('session-moderated', (f) => f.command === 'narrate')).text, 'Rain falls.');
    assert.equal((await jo.next('session-moderated', (f) => f.command === 'redact')).turn, 1);

    const { turns } = await session.ref(node, 'tale-s').ask({ type: 'transcript' });
    assert.deepEqual(
      turns.map((t) => [t.turn, t.player, t.text, t.redacted ?? false, t.narration ?? false]),
      [
        [1, 'jo-s', '', true, false],
        [2, 'gm', 'Rain falls.', false, true],
        [3, 'jo-s', 'I wait.', false, false],
      ],
    );
    const kick = await mod.expectError({ type: 'override', session: 'tale-s', command: 'kick', player: 'jo-s', reason: 'x', ref: 'o7' }, 'o7');
    assert.equal(kick.code, ProtocolErrors.BAD_FRAME_SCHEMA);
  });

  test('an override overtakes the player messages queued before it in the room', async () => {
    const N = 300;
    const quin = await connect('quin-q');
    await quin.join('flood-q');
    for (let i = 0; i < N; i++) quin.send({ type: 'say', room: 'flood-q', text: `m${i}`, ref: `s${i}` });
    // Once the pong is back, the gateway has sent every say on to the room: they are queued
    // ahead of the mute (the room saves each line before taking the next).
    quin.send({ type: 'ping', ref: 'barrier' });
    await quin.next('pong', (f) => f.ref === 'barrier');
    const muted = await api(await modToken(), { room: 'flood-q', command: 'mute', player: 'quin-q', reason: 'flood' });
    assert.equal(muted.status, 200);
    // Outcomes come back in the order the room handled the says: the last one settles them all.
    await quin.next('error', (f) => f.ref === `s${N - 1}`, 30_000);
    const accepted = quin.seen.filter((f) => f.type === 'said' && f.room === 'flood-q').map((f) => (f.type === 'said' ? f.line.text : ''));
    const refused = quin.seen.filter((f) => f.type === 'error' && f.ref?.startsWith('s'));
    const k = accepted.length;
    assert.ok(k < N, `the mute was applied only after all ${N} queued says`);
    assert.deepEqual(accepted, Array.from({ length: k }, (_, i) => `m${i}`));
    assert.deepEqual(
      refused.map((f) => (f.type === 'error' ? [f.ref, f.code] : null)),
      Array.from({ length: N - k }, (_, i) => [`s${k + i}`, ProtocolErrors.MUTED]),
    );
  });

  test('unauthorised and malformed attempts are refused with stable codes, audited, and change nothing', async () => {
    const pat = await connect('pat-u');
    const quiet = await connect('quiet-u');
    await quiet.join('porch-u');

    const forbidden = await pat.expectError({ type: 'override', room: 'porch-u', command: 'mute', player: 'quiet-u', reason: 'just because', ref: 'x1' }, 'x1');
    assert.equal(forbidden.code, ProtocolErrors.FORBIDDEN);
    const malformed = await pat.expectError({ type: 'override', room: 'porch-u', command: 'explode', ref: 'x2' }, 'x2');
    assert.equal(malformed.code, ProtocolErrors.BAD_FRAME_SCHEMA);
    const ops = await api(await tokenFor('ops-u', { roles: ['ops'] }), { room: 'porch-u', command: 'lock', reason: 'ops says so' });
    assert.deepEqual([ops.status, ops.json.code], [403, ProtocolErrors.FORBIDDEN]);
    const invalid = await api(await modToken('mod-u'), { room: 'porch-u', command: 'mute', reason: 'who?' });
    assert.deepEqual([invalid.status, invalid.json.code], [400, ProtocolErrors.BAD_REQUEST]);
    assert.match(invalid.json.message, /^player: required for mute/);
    const notJson = await api(await modToken('mod-u'), '{"room": ');
    assert.deepEqual([notJson.status, notJson.json.code], [400, ProtocolErrors.BAD_REQUEST]);
    const anonymous = await fetch(httpUrl + '/api/overrides', { method: 'POST', body: '{}' });
    assert.deepEqual([anonymous.status, ((await anonymous.json()) as { code: string }).code], [401, ProtocolErrors.TOKEN_MISSING]);
    const huge = await api(await modToken('mod-u'), { room: 'porch-u', command: 'note', text: 'x'.repeat(20_000) });
    assert.deepEqual([huge.status, huge.json.code], [413, ProtocolErrors.BODY_TOO_LARGE]);

    const rows = await auditRows('moderator = ANY($1)', [['pat-u', 'ops-u', 'mod-u']]);
    assert.deepEqual(
      rows.map((r) => [r.moderator, r.source, r.outcome, r.code, r.target_id, r.command]),
      [
        ['pat-u', 'ws', 'refused', ProtocolErrors.FORBIDDEN, 'porch-u', 'mute'],
        ['pat-u', 'ws', 'refused', ProtocolErrors.BAD_FRAME_SCHEMA, 'porch-u', null],
        ['ops-u', 'api', 'refused', ProtocolErrors.FORBIDDEN, 'porch-u', 'lock'],
        ['mod-u', 'api', 'refused', ProtocolErrors.BAD_REQUEST, 'porch-u', 'mute'],
        ['mod-u', 'api', 'refused', ProtocolErrors.BAD_REQUEST, null, null],
      ],
    );
    // Nothing was applied: the player who would have been muted still talks, the room is not locked.
    quiet.send({ type: 'say', room: 'porch-u', text: 'unbothered' });
    assert.equal((await quiet.next('said')).line.text, 'unbothered');
    assert.deepEqual((await pat.join('porch-u')).members, ['quiet-u', 'pat-u']);
    assert.deepEqual(quiet.seen.filter((f) => f.type === 'moderated'), []);
  });

  test('a moderator reads a target’s recent overrides; the whole chain verifies', async () => {
    const mod = await modToken();
    const a = await api(mod, { room: 'attic-v', command: 'lock', reason: 'one' });
    const b = await api(mod, { room: 'attic-v', command: 'unlock', reason: 'two' });
    const recent = await api(mod, undefined, '/api/overrides/room/attic-v', 'GET');
    assert.equal(recent.status, 200);
    assert.deepEqual(
      recent.json.applied.map((o: { audit: unknown; command: { command: string }; by: string }) => [o.audit, o.command.command, o.by]),
      [
        [a.json.audit, 'lock', 'mod-api'],
        [b.json.audit, 'unlock', 'mod-api'],
      ],
    );
    const asPlayer = await api(await tokenFor('nosy-v'), undefined, '/api/overrides/room/attic-v', 'GET');
    assert.equal(asPlayer.status, 403);
    const verdict = await audit.verify();
    assert.equal(verdict.ok, true);
    assert.ok(verdict.rows >= 20);
  });

  test('an ops action goes into the same audit chain before it runs, and names its row', async () => {
    const alice = await connect('alice-w');
    await alice.join('cellar-w');
    const ops = await tokenFor('op-w', { roles: ['ops'] });
    const done = await api(ops, { action: 'passivate', kind: 'room', id: 'cellar-w' }, '/ops/api/actions');
    assert.equal(done.status, 200, JSON.stringify(done.json));
    const [row] = await auditRows('moderator = $1', ['op-w']);
    assert.ok(row !== undefined, 'the action was audited');
    assert.deepEqual([row.source, row.outcome, row.command, row.target_kind, row.target_id], ['ops', 'accepted', 'ops:passivate', 'room', 'cellar-w']);
    assert.equal(done.json.auditRef, `${row.id}:${row.hash}`, 'the answer carries the row');
    assert.equal((await audit.verify()).ok, true);
  });
});

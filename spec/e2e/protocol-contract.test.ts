// The places where the server was not as docs/PROTOCOL.md says (issue 19, "The protocol as
// documented"), each against a real node, a real uWS gateway and the PostgreSQL audit log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { room, session } from '../../actors/index.js';
import { ProtocolErrors } from '../../clients/index.js';
import { verifyResumeToken } from '../../clients/tokens/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { startAuditedGateway, type AuditedGateway } from './fixtures/audited-gateway.js';
import { TEST_RESUME_KEY } from './tokens.js';
import { TestClient } from './ws-client.js';

describe('the protocol as documented (2 workers, embedded CouchDB, uWS, PostgreSQL audit log)', () => {
  let server: AuditedGateway;
  let node: GlassNode;
  const clients: TestClient[] = [];

  async function connect(player: string, roles: ('player' | 'moderator')[] = ['player']): Promise<TestClient> {
    const client = await TestClient.connect(server.url, player, { roles });
    clients.push(client);
    return client;
  }

  /** Sends a ping and waits for its pong: every answer to earlier frames decided at once is in. */
  async function barrier(client: TestClient, ref: string): Promise<void> {
    client.send({ type: 'ping', ref });
    await client.next('pong', (f) => f.ref === ref);
  }

  before(async () => {
    server = await startAuditedGateway('contract', { rateLimit: { burst: 500, perSecond: 500 } });
    node = server.node;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  test('a say followed at once by a leave: the sender gets its own said, then left', async () => {
    const ann = await connect('ann-o');
    const bob = await connect('bob-o');
    await ann.join('porch-o');
    await bob.join('porch-o');
    for (let i = 0; i < 5; i++) {
      ann.send({ type: 'say', room: 'porch-o', text: `bye ${i}`, ref: `s${i}` });
      ann.send({ type: 'leave', room: 'porch-o', ref: `l${i}` });
      const said = await ann.next('said', (f) => f.line.text === `bye ${i}`);
      await ann.next('left', (f) => f.ref === `l${i}`);
      const order = ann.seen.filter((f) => (f.type === 'said' && f.line.seq === said.line.seq) || (f.type === 'left' && f.ref === `l${i}`)).map((f) => f.type);
      assert.deepEqual(order, ['said', 'left']);
      assert.equal((await bob.next('said', (f) => f.line.text === `bye ${i}`)).line.seq, said.line.seq);
      await ann.join('porch-o');
    }
  });

  test('a join refused by a locked room registers nothing: leave is NOT_IN_ROOM, the resume token leaves it out', async () => {
    const mod = await connect('mod-o', ['moderator']);
    const cid = await connect('cid-o');
    await cid.join('hall-o');
    mod.send({ type: 'override', room: 'den-o', command: 'lock', reason: 'private', ref: 'lock' });
    await mod.next('override-applied', (f) => f.ref === 'lock');

    cid.send({ type: 'join', room: 'den-o', ref: 'j' });
    // Sent before the refusal is known: it reaches the room after the join, which refuses it too.
    cid.send({ type: 'say', room: 'den-o', text: 'let me in', ref: 's' });
    assert.equal((await cid.next('error', (f) => f.ref === 'j')).code, ProtocolErrors.ROOM_LOCKED);
    assert.equal((await cid.next('error', (f) => f.ref === 's')).code, ProtocolErrors.NOT_MEMBER);
    assert.equal((await cid.expectError({ type: 'leave', room: 'den-o', ref: 'l' }, 'l')).code, ProtocolErrors.NOT_IN_ROOM);

    // The next token (after a change the room accepted) lists only what the rooms accepted.
    cid.send({ type: 'join', room: 'yard-o', ref: 'j2' });
    await cid.next('joined', (f) => f.ref === 'j2');
    const token = await cid.next('resume-token', (f) => f.rooms.includes('yard-o'));
    assert.deepEqual([...token.rooms].sort(), ['hall-o', 'yard-o']);
    const check = await verifyResumeToken(TEST_RESUME_KEY, token.token);
    assert.ok(check.ok);
    assert.deepEqual([...check.claims.rooms].sort(), ['hall-o', 'yard-o']);
  });

  test('a resume refused for one room leaves it out of the token that completes the resume', async () => {
    const mod = await connect('mod-r', ['moderator']);
    const dee = await connect('dee-r');
    await dee.join('a-r');
    await dee.join('b-r');
    const token = await dee.next('resume-token', (f) => f.rooms.includes('b-r'));
    assert.deepEqual([...token.rooms].sort(), ['a-r', 'b-r']);
    await dee.drop();
    // dee's memberships are held for the resume window; a kick ends the one in b-r, and the lock
    // then keeps the non-member out.
    mod.send({ type: 'override', room: 'b-r', command: 'kick', player: 'dee-r', reason: 'out', ref: 'kick' });
    await mod.next('override-applied', (f) => f.ref === 'kick');
    mod.send({ type: 'override', room: 'b-r', command: 'lock', reason: 'closed', ref: 'lock' });
    await mod.next('override-applied', (f) => f.ref === 'lock');

    const again = await connect('dee-r');
    again.send({ type: 'resume', token: token.token, rooms: dee.lastSeqs(), ref: 'r' });
    assert.equal((await again.next('error', (f) => f.ref === 'r')).code, ProtocolErrors.ROOM_LOCKED);
    const done = await again.next('resume-token', (f) => f.ref === 'r');
    assert.deepEqual(done.rooms, ['a-r']);
    assert.equal((await again.expectError({ type: 'leave', room: 'b-r', ref: 'l' }, 'l')).code, ProtocolErrors.NOT_IN_ROOM);
  });

  test('an override with a field its command does not take is refused (note with a reason)', async () => {
    const mod = await connect('mod-n', ['moderator']);
    const eve = await connect('eve-n');
    await eve.join('square-n');
    const refused = await mod.expectError({ type: 'override', room: 'square-n', command: 'note', text: 'fire ahead', reason: 'why', ref: 'n1' }, 'n1');
    assert.equal(refused.code, ProtocolErrors.BAD_FRAME_SCHEMA);
    assert.match(refused.message, /^reason: not allowed for note/);
    // The same note without the reason is applied, and is the only note the room's members get.
    mod.send({ type: 'override', room: 'square-n', command: 'note', text: 'fire ahead', ref: 'n2' });
    await mod.next('override-applied', (f) => f.ref === 'n2');
    await eve.next('moderated', (f) => f.command === 'note');
    await barrier(eve, 'p');
    assert.equal(eve.seen.filter((f) => f.type === 'moderated' && f.command === 'note').length, 1);
  });

  test('a redact of a seq the room (or session) has not reached is refused with GLASS_ERR_SEQ_NOT_REACHED', async () => {
    const mod = await connect('mod-x', ['moderator']);
    const fay = await connect('fay-x');
    await fay.join('cellar-x');
    fay.send({ type: 'say', room: 'cellar-x', text: 'one' });
    const first = await fay.next('said');
    const ahead = await mod.expectError({ type: 'override', room: 'cellar-x', command: 'redact', seq: first.line.seq + 1, reason: 'pre-emptive', ref: 'x1' }, 'x1');
    assert.equal(ahead.code, ProtocolErrors.SEQ_NOT_REACHED);
    // The line that then gets that seq is not redacted, and nobody was told of a redaction.
    fay.send({ type: 'say', room: 'cellar-x', text: 'two' });
    const second = await fay.next('said', (f) => f.line.seq === first.line.seq + 1);
    assert.equal(second.line.text, 'two');
    // A reached seq is applied.
    mod.send({ type: 'override', room: 'cellar-x', command: 'redact', seq: second.line.seq, reason: 'slur', ref: 'x2' });
    await mod.next('override-applied', (f) => f.ref === 'x2');
    const redacted = await fay.next('moderated', (f) => f.command === 'redact');
    assert.equal(redacted.seq, second.line.seq);
    assert.equal(fay.seen.filter((f) => f.type === 'moderated' && f.command === 'redact').length, 1);

    fay.send({ type: 'join-session', session: 'tale-x', ref: 'js' });
    await fay.next('session-joined', (f) => f.ref === 'js');
    fay.send({ type: 'turn', session: 'tale-x', text: 'I knock.', ref: 't' });
    const turn = await fay.next('turn-accepted', (f) => f.ref === 't');
    const sessionAhead = await mod.expectError({ type: 'override', session: 'tale-x', command: 'redact', seq: turn.turn + 1, reason: 'ahead', ref: 'x3' }, 'x3');
    assert.equal(sessionAhead.code, ProtocolErrors.SEQ_NOT_REACHED);
  });

  test('a lone UTF-16 surrogate becomes U+FFFD at the edge (line, history, turn, transcript); other text is verbatim', async () => {
    const gus = await connect('gus-u');
    const hal = await connect('hal-u');
    await gus.join('attic-u');
    await hal.join('attic-u');
    // JSON.stringify writes a lone surrogate as an escape (\ud800): the frame itself is valid UTF-8.
    const verbatim = 'ctl\u0007 bidi\u202e pair\ud83d\ude00';
    gus.send({ type: 'say', room: 'attic-u', text: `lone\ud800 high, lone\udc00 low, ${verbatim}` });
    const expected = `lone\ufffd high, lone\ufffd low, ${verbatim}`;
    assert.equal((await hal.next('said')).line.text, expected);
    assert.equal((await gus.next('said')).line.text, expected);
    const stored = await room.ref(node, 'attic-u').ask({ type: 'lines', after: 0 });
    assert.deepEqual(stored.lines.map((l) => l.text), [expected]);

    gus.send({ type: 'join-session', session: 'saga-u', ref: 'js' });
    await gus.next('session-joined', (f) => f.ref === 'js');
    gus.send({ type: 'turn', session: 'saga-u', text: 'x\udbff', ref: 't' });
    await gus.next('turn-accepted', (f) => f.ref === 't');
    assert.equal((await gus.next('turn-started')).text, 'x\ufffd');
    await gus.next('turn-committed');
    const transcript = await session.ref(node, 'saga-u').ask({ type: 'transcript' });
    assert.deepEqual(transcript.turns.map((t) => t.text), ['x\ufffd']);
  });

  test('session frames: strict schemas, the resume token carries sessions, a resume names only its sessions', async () => {
    const ida = await connect('ida-v');
    assert.equal((await ida.expectError({ type: 'join-session', session: 'saga-v', extra: 1, ref: 'a' }, 'a')).code, ProtocolErrors.BAD_FRAME_SCHEMA);
    assert.equal((await ida.expectError({ type: 'join-session', session: 'saga-v', access: 'secret', ref: 'b' }, 'b')).code, ProtocolErrors.BAD_FRAME_SCHEMA);
    assert.equal((await ida.expectError({ type: 'leave-session', session: 'saga-v', ref: 'c' }, 'c')).code, ProtocolErrors.NOT_IN_SESSION);
    ida.send({ type: 'join-session', session: 'saga-v', access: 'invite', ref: 'j' });
    const joined = await ida.next('session-joined', (f) => f.ref === 'j');
    assert.equal(joined.access, 'invite');
    const token = await ida.next('resume-token', (f) => f.sessions !== undefined);
    assert.deepEqual(token.sessions, ['saga-v']);
    const check = await verifyResumeToken(TEST_RESUME_KEY, token.token);
    assert.ok(check.ok && check.claims.sessions.includes('saga-v'));
    const other = await connect('ida-v');
    assert.equal((await other.expectError({ type: 'resume', token: token.token, rooms: {}, sessions: { 'saga-w': 0 }, ref: 'r' }, 'r')).code, ProtocolErrors.RESUME_INVALID);
    other.send({ type: 'leave-session', session: 'saga-v', ref: 'l' });
    assert.equal((await other.next('error', (f) => f.ref === 'l')).code, ProtocolErrors.NOT_IN_SESSION);
  });
});

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CloseCodes, ProtocolErrors, startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS } from './tokens.js';
import { TestClient } from './ws-client.js';
import { prng } from '../fixtures/prng.js';

const E = ProtocolErrors;


type Bad = { data: string | Buffer; binary?: boolean; code: string };

/** One bad frame of a random category, with the code that must answer it. */
function badFrame(rand: () => number): Bad {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const json = (v: unknown): string => JSON.stringify(v);
  const category = Math.floor(rand() * 9);
  switch (category) {
    case 0: // not JSON, or truncated JSON
      return { data: pick(['{"type": "join", ', '{{', 'hello', '', '{"type":"ping"}}', '\u0000', '[1, 2']), code: E.BAD_FRAME };
    case 1: // JSON that is not an object
      return { data: pick(['[1,2,3]', '"ping"', '42', 'null', 'true', '[' .repeat(3_000) + ']'.repeat(3_000)]), code: E.BAD_FRAME };
    case 2: // binary, some of it not UTF-8 at all
      return { data: Buffer.from(pick([json({ type: 'ping' }), '\xff\xfe\xfd', 'x'])), binary: true, code: E.BINARY_UNSUPPORTED };
    case 3: // over the 16 KiB limit, under the read ceiling
      return { data: json({ type: 'say', room: 'lobby', text: 'x'.repeat(16_400 + Math.floor(rand() * 60_000)) }), code: E.FRAME_TOO_LARGE };
    case 4:
      return { data: json({ type: pick(['shout', 'JOIN', 'admin', 'welcome', 'said']), room: 'lobby' }), code: E.UNKNOWN_FRAME_TYPE };
    case 5: // wrongly typed fields
      return {
        data: json(
          pick<unknown>([
            { type: 'join', room: 42 },
            { type: 'join', room: null },
            { type: 'join', room: ['lobby'] },
            { type: 'say', room: 'lobby', text: 5 },
            { type: 'turn', session: 's', text: '' },
            { type: 'turn', session: 's', text: { a: 1 } },
            { type: 5 },
            { room: 'lobby' },
            { type: 'ping', ref: 7 },
            { type: 'resume', token: 't', rooms: { lobby: -1 } },
            { type: 'resume', token: 't', rooms: ['lobby'] },
          ]),
        ),
        code: E.BAD_FRAME_SCHEMA,
      };
    case 6: // bad ids, extra fields, too long, prototype games
      return {
        data: pick([
          json({ type: 'join', room: 'bad id!' }),
          json({ type: 'join', room: '' }),
          json({ type: 'join', room: 'r'.repeat(129) }),
          json({ type: 'join', room: '__proto__' }),
          json({ type: 'ping', extra: true }),
          json({ type: 'say', room: 'lobby', text: 'y'.repeat(2_001) }),
          json({ type: 'resume', token: 't'.repeat(8_193), rooms: {} }),
          '{"__proto__": {"type": "ping"}}',
          '{"type": "ping", "type": "join"}',
          '{"a":'.repeat(1_000) + '1' + '}'.repeat(1_000),
        ]),
        code: E.BAD_FRAME_SCHEMA,
      };
    case 7: // valid frames for a room this connection is not in
      return { data: json(pick([{ type: 'say', room: 'elsewhere', text: 'hi' }, { type: 'leave', room: 'elsewhere' }])), code: E.NOT_IN_ROOM };
    default: // a random byte soup that happens to be valid UTF-8 text
      return { data: Array.from({ length: 1 + Math.floor(rand() * 40) }, () => String.fromCharCode(33 + Math.floor(rand() * 90))).join('') + '"', code: E.BAD_FRAME };
  }
}

describe('abuse: a fuzz of bad frames, unauthorised frames, rate limits, slow consumers (uWS, real sockets)', () => {
  let node: GlassNode;
  let limitedNode: GlassNode;
  let gateway: Gateway;
  let limited: Gateway;
  let url: string;
  let limitedUrl: string;
  const clients: TestClient[] = [];

  before(async () => {
    node = await startDefaultNode({ nodeId: 'abuse-main', workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    gateway = await startGateway({
      node,
      port: 0,
      host: '127.0.0.1',
      ...TEST_KEYS,
      rateLimit: { burst: 100_000, perSecond: 100_000 },
      backpressure: { softBytes: 16 * 1024, hardBytes: 64 * 1024 },
    });
    url = `ws://127.0.0.1:${gateway.port}/ws`;
    limitedNode = await startDefaultNode({ nodeId: 'abuse-limited', workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    limited = await startGateway({ node: limitedNode, port: 0, host: '127.0.0.1', ...TEST_KEYS, rateLimit: { burst: 5, perSecond: 2 } });
    limitedUrl = `ws://127.0.0.1:${limited.port}/ws`;
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
    await limited?.close();
    await node?.close();
    await limitedNode?.close();
  });

  async function connect(player: string, options?: Parameters<typeof TestClient.connect>[2], at = url): Promise<TestClient> {
    const client = await TestClient.connect(at, player, options);
    clients.push(client);
    return client;
  }

  async function barrier(client: TestClient, ref: string): Promise<void> {
    client.send({ type: 'ping', ref });
    await client.next('pong', (f) => f.ref === ref);
  }

  test('500 malformed, oversized, wrongly typed frames and 60 unauthorised ones: each answered by its code, and everyone else is served', async () => {
    const ann = await connect('ann-fz');
    const ben = await connect('ben-fz');
    await ann.join('plaza-fz');
    await ben.join('plaza-fz');
    const fuzzer = await connect('fuzzer-fz');
    const ops = await connect('ops-fz', { roles: ['ops'] });
    const before = Object.values(gateway.stats().refused).reduce((a, b) => a + b, 0);

    const rand = prng(0x5eed);
    const expected: string[] = [];
    for (let i = 0; i < 500; i++) {
      const bad = badFrame(rand);
      fuzzer.sendRaw(bad.data, { binary: bad.binary ?? false });
      expected.push(bad.code);
    }
    const forbidden = [
      { type: 'join', room: 'plaza-fz' },
      { type: 'say', room: 'plaza-fz', text: 'let me in' },
      { type: 'turn', session: 'story-fz', text: 'I am ops' },
      { type: 'leave', room: 'plaza-fz' },
      { type: 'resume', token: 'x', rooms: {} },
    ];
    for (let i = 0; i < 60; i++) ops.send({ ...forbidden[i % forbidden.length], ref: `ops-${i}` });

    const got: string[] = [];
    for (let i = 0; i < expected.length; i++) got.push((await fuzzer.next('error')).code);
    assert.deepEqual(got, expected, 'every bad frame answered once, in order, with its code');
    for (let i = 0; i < 60; i++) {
      const error = await ops.next('error', (f) => f.ref === `ops-${i}`);
      assert.equal(error.code, E.FORBIDDEN);
    }
    await barrier(fuzzer, 'fz-alive');
    await barrier(ops, 'ops-alive');
    assert.equal(fuzzer.seen.filter((f) => f.type === 'error').length, 500, 'nothing answered twice');
    const refused = Object.values(gateway.stats().refused).reduce((a, b) => a + b, 0) - before;
    assert.equal(refused, 560, 'the gateway counted every refusal');

    ann.send({ type: 'say', room: 'plaza-fz', text: 'still served' });
    const [a, b] = await Promise.all([ann.next('said'), ben.next('said')]);
    assert.equal(a.line.text, 'still served');
    assert.deepEqual(b, a);
    await barrier(ben, 'fz-ben');
    assert.ok(!ben.seen.some((f) => f.type === 'presence' && f.joined === 'ops-fz'), 'the ops token never joined');
  });

  test('what uWS refuses itself (a text frame of invalid UTF-8, a frame over the read ceiling) closes only that socket, which resumes', async () => {
    const ann = await connect('ann-u8');
    const ben = await connect('ben-u8');
    await ann.join('yard-u8');
    await ben.join('yard-u8');
    const { token } = await ann.next('resume-token');
    for (const payload of [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), Buffer.alloc(16_384 + 1024 * 1024 + 1, 0x61)]) {
      const victim = await connect('victim-u8');
      victim.sendRaw(payload, { binary: false });
      assert.equal((await victim.closed).code, 1006);
    }
    ann.sendRaw(Buffer.from([0x22, 0xc3, 0x28, 0x22]), { binary: false });
    assert.equal((await ann.closed).code, 1006);
    ben.send({ type: 'say', room: 'yard-u8', text: 'missed' });
    await ben.next('said');
    const again = await connect('ann-u8');
    again.send({ type: 'resume', token, rooms: { 'yard-u8': 0 }, ref: 'r' });
    const resumed = await again.next('resumed', (f) => f.ref === 'r');
    assert.deepEqual(resumed.lines.map((l) => l.text), ['missed']);
  });

  test('the token bucket is per character: a burst passes, the rest is refused with a retry time; another character is unaffected', async () => {
    const eve = await connect('eve-rl', { character: 'shared-rl' }, limitedUrl);
    const started = Date.now();
    for (let i = 0; i < 20; i++) eve.send({ type: 'ping', ref: `p${i}` });
    let pongs = 0;
    const limitedErrors = [];
    for (let i = 0; i < 20; i++) {
      const answer = await Promise.race([eve.next('pong', (f) => f.ref === `p${i}`), eve.next('error', (f) => f.ref === `p${i}`)]);
      if (answer.type === 'pong') pongs++;
      else limitedErrors.push(answer);
    }
    const elapsedMs = Date.now() - started;
    assert.ok(pongs >= 5, `the burst of 5 passed (${pongs})`);
    assert.ok(pongs <= 5 + Math.ceil((elapsedMs * 2) / 1000) + 1, `no more than the refill allows (${pongs} in ${elapsedMs} ms)`);
    assert.equal(pongs + limitedErrors.length, 20, 'every frame answered once');
    for (const error of limitedErrors) {
      assert.equal(error.type === 'error' && error.code, E.RATE_LIMITED);
      assert.ok(error.type === 'error' && error.retryAfterMs !== undefined && error.retryAfterMs > 0 && error.retryAfterMs <= 500);
    }

    // Same character, another player: the same (empty) bucket.
    const twin = await connect('twin-rl', { character: 'shared-rl' }, limitedUrl);
    const other = await connect('other-rl', { character: 'other-rl' }, limitedUrl);
    for (let i = 0; i < 3; i++) twin.send({ type: 'ping', ref: `t${i}` });
    for (let i = 0; i < 3; i++) other.send({ type: 'ping', ref: `o${i}` });
    for (let i = 0; i < 3; i++) await other.next('pong', (f) => f.ref === `o${i}`);
    const twinErrors = [];
    for (let i = 0; i < 3; i++) {
      const answer = await Promise.race([twin.next('pong', (f) => f.ref === `t${i}`), twin.next('error', (f) => f.ref === `t${i}`)]);
      if (answer.type === 'error') twinErrors.push(answer.code);
    }
    assert.ok(twinErrors.length >= 2 && twinErrors.every((c) => c === E.RATE_LIMITED), `the twin shares the empty bucket (${twinErrors.join(', ')})`);
  });

  test('a client that stops reading is closed at the hard limit (4008) after an error frame, and resumes without losing a line', async () => {
    const filler = await connect('filler-sc');
    await filler.join('big-sc');
    for (let i = 1; i <= 50; i++) filler.send({ type: 'say', room: 'big-sc', text: `${i} `.padEnd(2_000, 'z') });
    await filler.next('said', (f) => f.line.seq === 50);

    const slow = await connect('slow-sc');
    await slow.join('big-sc');
    const { token } = await slow.next('resume-token');
    const closedForSlowness = new Promise<void>((resolve) => {
      const off = gateway.on('slow-consumer', (player) => {
        if (player !== 'slow-sc') return;
        off();
        resolve();
      });
    });
    const tcp = (slow.socket as unknown as { _socket: Socket })._socket;
    tcp.pause(); // reads nothing more: the kernel's buffers fill, then uWS's
    // Each `joined` answer carries 50 lines of 2000 characters (~100 KB).
    for (let i = 0; i < 400; i++) slow.send({ type: 'join', room: 'big-sc', ref: `j${i}` });
    await closedForSlowness;
    filler.send({ type: 'say', room: 'big-sc', text: 'said after the close' });
    await filler.next('said', (f) => f.line.seq === 51);

    tcp.resume();
    const closed = await slow.closed;
    assert.equal(closed.code, CloseCodes.SLOW_CONSUMER);
    const last = slow.seen.at(-1);
    assert.ok(last?.type === 'error' && last.code === E.SLOW_CONSUMER, 'the last frame says why');

    const again = await connect('slow-sc');
    again.send({ type: 'resume', token, rooms: { 'big-sc': 50 }, ref: 'r' });
    const resumed = await again.next('resumed', (f) => f.ref === 'r');
    assert.deepEqual(resumed.lines.map((l) => l.text), ['said after the close']);
    assert.equal(gateway.stats().slowConsumerCloses >= 1, true);
  });
});

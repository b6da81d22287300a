// Abuse at the edge, against the shared `glass start` node: a socket that never reads, malformed
// and oversized frames and HTTP requests, forged and expired tokens, unauthorised overrides and ops
// actions. Each ends with the node still serving a real player.
import { connect as tcpConnect, type Socket } from 'node:net';
import { SignJWT } from 'jose';
import { ACCESS_AUDIENCE, CLOCK_TOLERANCE_MS, CloseCodes, ProtocolErrors } from '../../../clients/index.js';
import { Checks, type CaseContext, type FaultCase } from '../case.js';
import { pgQuery } from '../support/resources.js';
import { SUITE_PAIR, forgedToken, tokenFor } from '../support/keys.js';
import { getJson, postJson, until } from '../support/wait.js';
import { WsPlayer } from '../support/ws-player.js';
import type { GlassProcess } from '../support/glass-process.js';

const E = ProtocolErrors;
let unique = 0;
const id = (label: string): string => `${label}-${Date.now().toString(36)}-${++unique}`;

/** A real player joins, says a line and gets it acknowledged: the node serves. */
async function stillServes(node: GlassProcess, checks: Checks, label: string): Promise<void> {
  const p = await WsPlayer.connect(node.ws, id('probe'));
  try {
    const room = id('probe-room');
    await p.join(room);
    checks.check((await p.say(room, `still here after ${label}`)) === 'said', 'a player is served afterwards');
  } finally {
    await p.close();
  }
}

async function refusedRows(node: GlassProcess, moderators: string[]): Promise<{ moderator: string; code: string }[]> {
  const schema = node.env.GLASS_PG_SCHEMA;
  const url = node.env.GLASS_PG_URL;
  if (schema === undefined || url === undefined) return [];
  const r = await pgQuery(url, `SELECT moderator, code FROM "${schema}".glass_audit_log WHERE outcome = 'refused' AND moderator = ANY($1) ORDER BY id`, [moderators]);
  return r.rows as { moderator: string; code: string }[];
}

const slowConsumer: FaultCase = {
  name: 'slow-consumer',
  expected: 'a socket that stops reading is closed at the hard limit; reading again, it gets the error frame then the 4008 close (one that never reads is dropped, 1006); other members unaffected, none of their lines lost',
  async run(ctx: CaseContext) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const room = id('big');
    const filler = await WsPlayer.connect(node.ws, id('filler'));
    const other = await WsPlayer.connect(node.ws, id('other'));
    const slow = await WsPlayer.connect(node.ws, id('slow'));
    try {
      await filler.join(room);
      await other.join(room);
      ctx.note('filling the room');
      // 35 lines of 2000 characters: within the default text budget's burst (80000 bytes).
      for (let i = 1; i <= 35; i++) filler.send({ type: 'say', room, text: `${i} `.padEnd(2_000, 'z') });
      await filler.next('said', (f) => f.line?.seq === 35, 20_000);
      await slow.join(room);
      const tcp = (slow.socket as unknown as { _socket: Socket })._socket;
      const from = node.entries.length;
      tcp.pause();
      const t0 = performance.now();
      // Each `joined` carries 35 lines of 2000 characters (~70 KB): the unread answers pile up.
      // The join bucket's burst (40) at once, then within its refill (20/s) until the node closes it.
      // The node says so in its log ('slow consumer closed'); the client, not reading, cannot see it.
      // It must read again promptly: uWS gives a closing socket a few seconds to take its backlog
      // and the close frame, then drops it (1006 at a client that still does not read).
      let closedByNode = false;
      const closing = node.waitForLog((e) => e.msg === 'slow consumer closed' && e.player === slow.player, 40_000, from).then(() => (closedByNode = true));
      closing.catch(() => undefined);
      for (let i = 0; i < 40; i++) slow.send({ type: 'join', room, ref: `j${i}` });
      ctx.note('waiting for the close');
      // The other member is served while the slow one backs up.
      const during = other.say(room, 'said while the slow one backs up');
      for (let i = 40; i < 700 && !closedByNode; i++) {
        slow.send({ type: 'join', room, ref: `j${i}` });
        // Pacing within the join bucket's refill, not a synchronisation.
        await new Promise((r) => setTimeout(r, 55));
      }
      await closing.catch(() => undefined);
      tcp.resume();
      checks.check(closedByNode, 'the node logged the slow consumer closed');
      const closed = await Promise.race([slow.closed, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      const recoveryMs = Math.round(performance.now() - t0);
      checks.check(closed?.code === CloseCodes.SLOW_CONSUMER, `closed with ${closed?.code ?? 'nothing'}`);
      const last = slow.inbox.filter((f) => f.type === 'error').at(-1);
      checks.check(last?.code === E.SLOW_CONSUMER, `last frame: error ${last?.code}`);
      const saidDuring = await during;
      checks.check(saidDuring === 'said', `another member's line acknowledged while it backed up (${saidDuring})`);
      const said = await other.say(room, 'said after the slow one is closed');
      checks.check(said === 'said', `another member's line acknowledged after the close (${said})`);
      const history = (await other.join(room)).history as { text: string }[];
      const lost = ['said while the slow one backs up', 'said after the slow one is closed'].filter((t) => !history.some((l) => l.text === t)).length;
      await stillServes(node, checks, 'a slow consumer');
      return checks.outcome({ recoveryMs, lost });
    } finally {
      await Promise.all([filler.close(), other.close(), slow.close()]);
    }
  },
};

/** A raw HTTP request over TCP; resolves with the status line's code (0 when the node just closed). */
function rawHttp(port: number, request: string | Buffer): Promise<number> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => s.destroy(), 5_000);
    s.on('connect', () => s.write(request));
    s.on('data', (d) => {
      head += d.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(head)) s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve(m === null ? 0 : Number(m[1]));
    });
  });
}

const malformed: FaultCase = {
  name: 'malformed-input',
  expected: 'malformed and oversized WebSocket frames get typed error frames, bad HTTP requests 4xx (or a closed connection); the node still serves',
  async run(ctx) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const p = await WsPlayer.connect(node.ws, id('fuzzer'));
    const n = ctx.quick ? 1 : 20;
    try {
      const frames: [string | Buffer, string][] = [
        ['{"type": "join", ', E.BAD_FRAME],
        ['[1,2,3]', E.BAD_FRAME],
        [Buffer.from([0xff, 0xfe, 0xfd]), E.BINARY_UNSUPPORTED],
        [JSON.stringify({ type: 'say', room: 'lobby', text: 'x'.repeat(40_000) }), E.FRAME_TOO_LARGE],
        [JSON.stringify({ type: 'shout', room: 'lobby' }), E.UNKNOWN_FRAME_TYPE],
        [JSON.stringify({ type: 'join', room: 42 }), E.BAD_FRAME_SCHEMA],
        [JSON.stringify({ type: 'join', room: '__proto__' }), E.BAD_FRAME_SCHEMA],
      ];
      let typed = 0;
      let sent = 0;
      const wrong: string[] = [];
      const closedRounds: number[] = [];
      for (let round = 0; round < n; round++) {
        // A fresh player per round: one player's rounds back to back would be refused by the
        // per-character rate limit (GLASS_ERR_RATE_LIMITED), which is not what this case checks.
        const q = round === 0 ? p : await WsPlayer.connect(node.ws, id('fuzzer'));
        for (const [data, code] of frames) {
          q.socket.send(data, { binary: typeof data !== 'string' });
          sent++;
          const f = await q.next('error', () => true, 5_000).catch(() => null);
          if (f?.code === code) typed++;
          else wrong.push(`${code}→${f?.code ?? 'none'}`);
        }
        if (q !== p) {
          if (!q.open) closedRounds.push(round + 1);
          await q.close();
        }
      }
      checks.check(typed === sent, `${typed}/${sent} bad frames answered with their typed code${wrong.length > 0 ? ` (${wrong.slice(0, 3).join(', ')})` : ''}`);
      checks.check(p.open && closedRounds.length === 0, `the fuzzing sockets stay open${closedRounds.length > 0 ? ` (closed in rounds ${closedRounds.join(', ')})` : ''}`);
      const requests: [string, string | Buffer, (s: number) => boolean][] = [
        ['garbage request line', 'HELLO\r\n\r\n', (s) => s === 0 || (s >= 400 && s < 500)],
        ['unknown path', 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n', (s) => s === 404],
        ['huge header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1_000_000)}\r\n\r\n`, (s) => s === 0 || (s >= 400 && s < 500)],
        ['override, not JSON', 'POST /api/overrides HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{{{{{', (s) => s >= 400 && s < 500],
        ['ops action, 2 MB body', `POST /ops/api/actions HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n${'x'.repeat(2_000_000)}`, (s) => s === 0 || (s >= 400 && s < 500)],
        ['binary junk', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) & 0xff)), (s) => s === 0 || (s >= 400 && s < 500)],
      ];
      const badHttp: string[] = [];
      for (let round = 0; round < n; round++) {
        for (const [label, req, ok] of requests) {
          const status = await rawHttp(node.port, req);
          if (!ok(status)) badHttp.push(`${label}: ${status}`);
        }
      }
      checks.check(badHttp.length === 0, `${requests.length * n} bad HTTP requests refused (4xx or closed)${badHttp.length > 0 ? `: ${badHttp.slice(0, 3).join(', ')}` : ''}`);
      checks.check((await getJson(`${node.http}/healthz`)).status === 200, '/healthz 200');
      checks.check(node.running, 'the node process is running');
      await stillServes(node, checks, 'the fuzzing');
      return checks.outcome();
    } finally {
      await p.close();
    }
  },
};

/** An access token signed with the suite's real key that expired a minute ago (past the clock tolerance). */
async function expiredToken(player: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const past = now - 60 - Math.ceil(CLOCK_TOLERANCE_MS / 1000);
  return new SignJWT({ chr: `${player}-char`, roles: ['player'] })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer('glass')
    .setAudience(ACCESS_AUDIENCE)
    .setSubject(player)
    .setIssuedAt(past - 120)
    .setExpirationTime(past)
    .sign(SUITE_PAIR.privateKey);
}

/** The status of a WebSocket upgrade with `token` (101 when accepted). */
async function upgradeStatus(node: GlassProcess, token: string): Promise<number> {
  try {
    const p = await WsPlayer.connect(node.ws, 'who', token);
    await p.close();
    return 101;
  } catch (err) {
    const m = /HTTP (\d+)/.exec((err as Error).message);
    return m === null ? 0 : Number(m[1]);
  }
}

const tokens: FaultCase = {
  name: 'forged-expired-tokens',
  expected: 'forged, expired and garbage tokens: 401 at the upgrade, at the moderation API and at the ops API; the node still serves',
  async run(ctx) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const rounds = ctx.quick ? 1 : 10;
    const bad: [string, () => Promise<string>][] = [
      ['forged', () => forgedToken(id('mallory'), ['player', 'moderator', 'ops'])],
      ['expired', () => expiredToken(id('late'))],
      ['garbage', async () => 'not.a.token'],
      ['alg none', async () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', aud: ACCESS_AUDIENCE, iss: 'glass', exp: 9e9 })).toString('base64url')}.`],
    ];
    const wrong: string[] = [];
    let tries = 0;
    for (let r = 0; r < rounds; r++) {
      for (const [label, make] of bad) {
        const token = await make();
        const ws = await upgradeStatus(node, token);
        const mod = (await postJson(`${node.http}/api/overrides`, token, { room: 'lobby', command: 'lock', reason: 'forged' })).status;
        const ops = (await postJson(`${node.http}/ops/api/actions`, token, { action: 'crash-worker', node: node.name, thread: 1 })).status;
        tries += 3;
        for (const [where, s] of [['ws', ws], ['override', mod], ['ops', ops]] as const) if (s !== 401) wrong.push(`${label} ${where}: ${s}`);
      }
    }
    checks.check(wrong.length === 0, `${tries} requests with forged/expired/garbage tokens answered 401${wrong.length > 0 ? ` (${wrong.slice(0, 4).join(', ')})` : ''}`);
    await stillServes(node, checks, 'bad tokens');
    return checks.outcome();
  },
};

const unauthorised: FaultCase = {
  name: 'unauthorised-override-ops',
  expected: 'a player\'s override and ops action: 403, nothing applied, each refusal audited under the player\'s name',
  async run(ctx) {
    const node = await ctx.resources.edge();
    const checks = new Checks();
    const player = id('curious');
    const token = await tokenFor(player);
    const room = id('guarded');
    const p = await WsPlayer.connect(node.ws, player);
    try {
      await p.join(room);
      const mod = await postJson(`${node.http}/api/overrides`, token, { room, command: 'lock', reason: 'not mine to lock' });
      checks.check(mod.status === 403 && mod.body?.code === E.FORBIDDEN, `override: ${mod.status} ${mod.body?.code}`);
      const ops = await postJson(`${node.http}/ops/api/actions`, token, { action: 'crash-worker', node: node.name, thread: 1 });
      checks.check(ops.status === 403 && ops.body?.code === E.FORBIDDEN, `ops action: ${ops.status} ${ops.body?.code}`);
      // Not applied: the room is not locked, the worker was not crashed.
      checks.check((await p.say(room, 'the room is not locked')) === 'said', 'the room still takes lines');
      checks.check(node.count((e) => typeof e.msg === 'string' && e.msg.includes('crash-worker')) === 0, 'no crash-worker carried out');
      if (node.env.GLASS_PG_URL === undefined) checks.check(false, 'no PostgreSQL: refusals cannot be audited');
      else {
        const rows = await until('the refusals audited', async () => {
          const r = await refusedRows(node, [player]);
          return r.length >= 2 ? r : undefined;
        }, 10_000);
        checks.check(rows.every((r) => r.code === E.FORBIDDEN), `${rows.length} refusals audited (${[...new Set(rows.map((r) => r.code))].join(', ')})`);
      }
      return checks.outcome();
    } finally {
      await p.close();
    }
  },
};

export const EDGE_CASES: FaultCase[] = [slowConsumer, malformed, tokens, unauthorised];

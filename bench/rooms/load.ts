// A load generator of the rooms scenario, in a process of its own: WebSocket clients (the `ws`
// package) for whole rooms, so that the sender and every receiver of a line share this process's
// clock. Each client joins its room, then says at a fixed rate, the send time in the text; every
// `said` received is counted, and its latency (receive − send, performance.now()) is recorded for
// the lines said by the other members.
import hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { epochNow, serve } from './ipc.js';

export type SideName = 'ours' | 'baseline';

export interface PlayerSpec {
  player: string;
  room: string;
  /** Access token (ours); the baseline takes the player from the query string. */
  token?: string;
}

export interface ConnectArgs {
  side: SideName;
  url: string;
  players: PlayerSpec[];
  timeoutMs: number;
}

export interface RunArgs {
  side: SideName;
  /** Written into every line's text, so a late line of an earlier run is not counted. */
  tag: string;
  /** Lines per second each client says. */
  perClientPerSec: number;
  /** Epoch ms when sending starts (every load process starts together). */
  startAt: number;
  /** Sending before the measured window: deliveries and latency are not counted. */
  warmupMs: number;
  /** The measured window; sending stops at its end. */
  measureMs: number;
  /** Time after sending stops for the last lines to arrive (they count for the loss check only). */
  drainMs: number;
  /** Characters of each line's text. */
  textChars: number;
}

export interface RunResult {
  sent: number;
  /** `said` frames of this run received in the window, own lines included. */
  delivered: number;
  /** `said` frames of this run received at any time until the drain ended. */
  deliveredAll: number;
  /** What every member should have received for the lines sent: Σ lines × members of the room. */
  expected: number;
  /** `said` frames of another run (late). */
  strays: number;
  errors: Record<string, number>;
  closes: Record<string, number>;
  /** Latencies in µs of other members' lines received in the window (HDR, compressed base64). */
  histogram: string;
  /** This process's CPU time during the window, µs, and the window's length by its clock. */
  cpuUs: number;
  windowMs: number;
  /** Longest a send came after its due time (this process's own lag). */
  maxSendLagMs: number;
}

class Client {
  readonly ws: WebSocket;
  readonly player: string;
  readonly room: string;
  readonly fromMark: string;
  /** The first frames received (to explain a join that never completes). */
  readonly seen: string[] = [];
  nextAt = 0;
  joined: (() => void) | null = null;
  /** While joining: an error frame fails the join. */
  refused: ((code: string) => void) | null = null;

  constructor(ws: WebSocket, spec: PlayerSpec) {
    this.ws = ws;
    this.player = spec.player;
    this.room = spec.room;
    this.fromMark = `"from":"${spec.player}"`;
  }
}

const clients: Record<SideName, Client[]> = { ours: [], baseline: [] };
const errors: Record<string, number> = {};
const closes: Record<string, number> = {};
let current: Run | null = null;

const SAID = '{"type":"said"';

class Run {
  readonly tag: string;
  readonly #w0: number;
  readonly #w1: number;
  readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  delivered = 0;
  deliveredAll = 0;
  strays = 0;

  constructor(tag: string, w0: number, w1: number) {
    this.tag = tag;
    this.#w0 = w0;
    this.#w1 = w1;
  }

  said(c: Client, s: string): void {
    const now = performance.now();
    const t = s.indexOf('"text":"') + 8;
    const bar = s.indexOf('|', t);
    if (t < 8 || bar < 0 || s.slice(t, bar) !== this.tag) {
      this.strays++;
      return;
    }
    this.deliveredAll++;
    if (now < this.#w0 || now > this.#w1) return;
    this.delivered++;
    if (s.includes(c.fromMark)) return; // the sender's own confirmation
    const sentAt = Number(s.slice(bar + 1, s.indexOf('|', bar + 1)));
    this.histogram.recordValue(Math.min(600_000_000, Math.max(1, Math.round((now - sentAt) * 1000))));
  }
}

function onMessage(c: Client, data: WebSocket.RawData): void {
  const s = data.toString();
  if (c.joined !== null && c.seen.length < 4) c.seen.push(s.slice(0, 160));
  if (s.startsWith(SAID)) {
    if (current !== null) current.said(c, s);
    else errors['said outside a run'] = (errors['said outside a run'] ?? 0) + 1;
  } else if (s.startsWith('{"type":"joined"')) {
    c.joined?.();
    c.joined = null;
  } else if (s.startsWith('{"type":"error"')) {
    const code = String((JSON.parse(s) as { code?: unknown }).code);
    errors[code] = (errors[code] ?? 0) + 1;
    c.refused?.(code);
  }
}

function connect(args: ConnectArgs): Promise<number> {
  const opened = args.players.map(
    (spec) =>
      new Promise<Client>((resolve, reject) => {
        const query = spec.token === undefined ? `player=${encodeURIComponent(spec.player)}` : `token=${spec.token}`;
        const ws = new WebSocket(`${args.url}?${query}`, { perMessageDeflate: false });
        const c = new Client(ws, spec);
        const timer = setTimeout(() => reject(new Error(`${spec.player}: not joined within ${args.timeoutMs} ms (socket state ${ws.readyState}, frames: ${c.seen.join(' ') || 'none'})`)), args.timeoutMs);
        c.joined = () => {
          clearTimeout(timer);
          c.refused = null;
          resolve(c);
        };
        c.refused = (code) => {
          clearTimeout(timer);
          reject(new Error(`${spec.player}: join refused with ${code}`));
        };
        ws.on('message', (data) => onMessage(c, data));
        ws.on('open', () => ws.send(JSON.stringify({ type: 'join', room: spec.room })));
        ws.on('unexpected-response', (_req, res) => reject(new Error(`${spec.player}: upgrade refused with HTTP ${res.statusCode}`)));
        ws.on('error', (err) => reject(err));
        ws.on('close', (code, reason) => {
          if (c.joined !== null) c.seen.push(`[closed ${code} ${reason.toString()}]`);
          closes[String(code)] = (closes[String(code)] ?? 0) + 1;
        });
      }),
  );
  return Promise.all(opened).then((list) => {
    clients[args.side].push(...list);
    return list.length;
  });
}

function run(a: RunArgs): Promise<RunResult> {
  if (current !== null) throw new Error('a run is in progress');
  const list = clients[a.side];
  if (list.length === 0) throw new Error(`no ${a.side} clients`);
  const start = a.startAt - performance.timeOrigin;
  const w0 = start + a.warmupMs;
  const w1 = w0 + a.measureMs;
  const r = new Run(a.tag, w0, w1);
  current = r;
  for (const k of Object.keys(errors)) delete errors[k];
  const period = 1000 / a.perClientPerSec;
  // Spread the clients' sends evenly over one period.
  list.forEach((c, i) => (c.nextAt = start + (i / list.length) * period));
  const members = new Map<string, number>();
  for (const c of list) members.set(c.room, (members.get(c.room) ?? 0) + 1);
  const sentByRoom = new Map<string, number>();
  const head = `${a.tag}|`;
  const pad = '|' + 'x'.repeat(Math.max(0, a.textChars - head.length - 14));
  let sent = 0;
  let maxLag = 0;
  let cpu0: NodeJS.CpuUsage | null = null;
  let cpu1: NodeJS.CpuUsage | null = null;
  let at0 = 0;
  let at1 = 0;

  return new Promise<RunResult>((resolve) => {
    const finish = (): void => {
      current = null;
      let expected = 0;
      for (const [room, n] of sentByRoom) expected += n * (members.get(room) ?? 0);
      const histogram = hdr.encodeIntoCompressedBase64(r.histogram);
      r.histogram.destroy();
      const cpu = cpu0 !== null && cpu1 !== null ? cpu1.user + cpu1.system - cpu0.user - cpu0.system : 0;
      resolve({
        sent,
        delivered: r.delivered,
        deliveredAll: r.deliveredAll,
        expected,
        strays: r.strays,
        errors: { ...errors },
        closes: { ...closes },
        histogram,
        cpuUs: cpu,
        windowMs: at1 - at0,
        maxSendLagMs: Math.round(maxLag * 10) / 10,
      });
    };
    const tick = (): void => {
      const now = performance.now();
      if (cpu0 === null && now >= w0) {
        cpu0 = process.cpuUsage();
        at0 = now;
      }
      if (now >= w1) {
        cpu1 = process.cpuUsage();
        at1 = now;
        setTimeout(finish, a.drainMs);
        return;
      }
      for (const c of list) {
        while (c.nextAt <= now) {
          maxLag = Math.max(maxLag, now - c.nextAt);
          const t = performance.now();
          // The text: tag | send time (ms, this process's performance clock) | padding.
          c.ws.send(`{"type":"say","room":"${c.room}","text":"${head}${t.toFixed(3)}${pad}"}`);
          sentByRoom.set(c.room, (sentByRoom.get(c.room) ?? 0) + 1);
          sent++;
          c.nextAt += period;
        }
      }
      setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
}

serve({
  connect,
  run,
  now: epochNow,
  close() {
    for (const list of Object.values(clients)) for (const c of list) c.ws.terminate();
    setImmediate(() => process.exit(0));
  },
});

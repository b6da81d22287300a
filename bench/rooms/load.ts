// A load generator of the rooms scenario, in a process of its own: the players of whole rooms, so
// that the sender and every receiver of a line share this process's clock. On our gateway and the
// baseline a player is a `ws` client (ws-player.ts), on the peer a colyseus.js client
// (peer-client.ts). Each player joins its room, then says at a fixed rate, the send time in the
// text; every `said` received is counted, and its latency (receive − send, performance.now()) is
// recorded for the lines said by the other members, the same way for every side (delivery-tally.ts).
import hdr from 'hdr-histogram-js';
import { DeliveryTally } from './delivery-tally.js';
import { epochNow, serve } from './ipc.js';
import type { LoadEvents, LoadPlayer, PlayerSpec, SideName } from './load-player.js';
import { connectColyseusPlayer } from './peer-client.js';
import { connectWsPlayer } from './ws-player.js';

export type { PlayerSpec, SideName } from './load-player.js';

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

const players: Record<SideName, LoadPlayer[]> = { ours: [], traced: [], baseline: [], peer: [] };
const errors: Record<string, number> = {};
const closes: Record<string, number> = {};
let current: DeliveryTally | null = null;

const events: LoadEvents = {
  said(receiver, from, text) {
    if (current !== null) current.said(receiver, from, text);
    else errors['said outside a run'] = (errors['said outside a run'] ?? 0) + 1;
  },
  error(code) {
    errors[code] = (errors[code] ?? 0) + 1;
  },
  closed(code) {
    closes[String(code)] = (closes[String(code)] ?? 0) + 1;
  },
};

async function connect(args: ConnectArgs): Promise<number> {
  const join = args.side === 'peer' ? connectColyseusPlayer : connectWsPlayer;
  const list = await Promise.all(args.players.map((spec) => join(args.url, spec, args.timeoutMs, events)));
  players[args.side].push(...list);
  return list.length;
}

function run(a: RunArgs): Promise<RunResult> {
  if (current !== null) throw new Error('a run is in progress');
  const list = players[a.side];
  if (list.length === 0) throw new Error(`no ${a.side} players`);
  const start = a.startAt - performance.timeOrigin;
  const w0 = start + a.warmupMs;
  const w1 = w0 + a.measureMs;
  const r = new DeliveryTally(a.tag, w0, w1);
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
          c.say(`${head}${t.toFixed(3)}${pad}`);
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
    for (const list of Object.values(players)) for (const p of list) p.terminate();
    setImmediate(() => process.exit(0));
  },
});

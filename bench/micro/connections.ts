// Idle WebSockets on one node, for sizing (docs/CAPACITY.md): what a connected player costs the
// server when it is in a room and says nothing — resident memory and idle CPU per connection — on
// ours (bench/rooms/server.ts: a node with one worker and its gateway, each connection a signed
// token, welcomed, joined to a room) against the bare uWS relay (bench/rooms/baseline.ts) holding
// as many sockets in as many rooms, in the same run. The sockets come from this process, spread over
// loopback addresses 127.0.0.2 and up (the gateway admits at most 500 per address, its default).
import { readFileSync } from 'node:fs';
import { generateTokenKeyPair, publicKeyPem, signAccessToken } from '../../clients/index.js';
import { Child } from '../rooms/ipc.js';
import type { LoadEvents, LoadPlayer, PlayerSpec } from '../rooms/load-player.js';
import { connectWsPlayer } from '../rooms/ws-player.js';
import type { Progress } from '../support/progress.js';
import type { ScenarioResult } from '../support/report.js';
import type { OptionValues, Scenario } from '../support/scenario.js';

/** Sockets per source address: below the gateway's default per-address limit (500). */
const PER_ADDRESS = 400;
/** Sockets opening at once. */
const OPENING = 200;
const JOIN_TIMEOUT_MS = 30_000;

type Side = 'ours' | 'baseline';

interface SideFigures {
  connections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
  /** Server CPU while every socket sat idle, as a share of one core. */
  idleCpuShare: number;
}

export const connections: Scenario = {
  name: 'connections',
  summary: "idle WebSockets on one node: the server's resident memory and idle CPU per connection joined to a room, against a bare uWS relay with as many",
  options: {
    connections: { kind: 'int', default: 4_000, min: 100, max: 16_000, description: 'sockets each side holds (each joined to a room)' },
    rooms: { kind: 'int', default: 400, min: 1, max: 16_000, description: 'rooms the sockets are spread over' },
    'idle-ms': { kind: 'int', default: 5_000, min: 1_000, max: 120_000, description: 'how long the idle CPU is measured with every socket open' },
  },
  run: runConnections,
};

/** Resident set of a process (VmRSS of /proc/PID/status), bytes. */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** A side's sockets report nothing the bench counts: they only sit in their rooms. */
const QUIET: LoadEvents = { said: () => {}, error: () => {}, closed: () => {} };

/** Waits `ms` (a settling pause of the bench, between measurements). */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function measureSide(side: Side, child: Child, url: string, spec: (i: number) => PlayerSpec, o: { connections: number; rooms: number; idleMs: number }, progress: Progress): Promise<SideFigures> {
  await pause(500);
  const rssBefore = rssOf(child.pid);
  progress.begin(`${side}: opening ${o.connections} sockets, each joined to one of ${o.rooms} rooms`, o.connections);
  const sockets: LoadPlayer[] = [];
  try {
    for (let start = 0; start < o.connections; start += OPENING) {
      const batch = [];
      for (let i = start; i < Math.min(o.connections, start + OPENING); i++) {
        batch.push(connectWsPlayer(url, { ...spec(i), localAddress: `127.0.0.${2 + Math.floor(i / PER_ADDRESS)}` }, JOIN_TIMEOUT_MS, QUIET));
      }
      sockets.push(...(await Promise.all(batch)));
      progress.update(sockets.length);
    }
    // Let what the joins left behind settle (presence fan-out, replies) before reading.
    await pause(1_000);
    const rssAfter = rssOf(child.pid);
    const cpu0 = await child.cpu();
    await pause(o.idleMs);
    const cpu1 = await child.cpu();
    const idleCpuShare = (cpu1.cpuUs - cpu0.cpuUs) / 1_000 / (cpu1.at - cpu0.at);
    return { connections: sockets.length, rssBeforeBytes: rssBefore, rssAfterBytes: rssAfter, bytesPerConnection: (rssAfter - rssBefore) / sockets.length, idleCpuShare };
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

async function runConnections(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const o = { connections: options.connections as number, rooms: options.rooms as number, idleMs: options['idle-ms'] as number };
  if (2 + Math.ceil(o.connections / PER_ADDRESS) > 254) throw new RangeError('too many connections for the loopback addresses used');
  const pair = generateTokenKeyPair();
  const server = new Child('server', '../rooms/server.js', { env: { GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(pair.publicKey) }, measured: true });
  const baseline = new Child('baseline', '../rooms/baseline.js', { measured: true });
  try {
    progress.begin('starting the server and the baseline, minting tokens', o.connections);
    const ours = await server.request<{ port: number }>('start', { workers: 1 });
    const base = await baseline.request<{ port: number }>('start');
    const tokens: string[] = [];
    for (let i = 0; i < o.connections; i++) {
      tokens.push(await signAccessToken(pair.privateKey, { player: `p${i}`, character: `c${i}`, ttlMs: 3_600_000 }));
      if (i % 500 === 0) progress.update(i);
    }
    const figures: Record<Side, SideFigures> = {
      ours: await measureSide('ours', server, `ws://127.0.0.1:${ours.port}/ws`, (i) => ({ player: `p${i}`, room: `room-${i % o.rooms}`, token: tokens[i] }), o, progress),
      baseline: await measureSide('baseline', baseline, `ws://127.0.0.1:${base.port}/ws`, (i) => ({ player: `p${i}`, room: `room-${i % o.rooms}` }), o, progress),
    };
    const ratio = figures.ours.bytesPerConnection / figures.baseline.bytesPerConnection;
    const kib = (b: number) => Math.round(b / 102.4) / 10;
    const allJoined = figures.ours.connections === o.connections && figures.baseline.connections === o.connections;
    return {
      figures: { scenario: 'connections', connections: o.connections, rooms: o.rooms, ours: figures.ours, baseline: figures.baseline, bytesPerConnectionVsRelay: ratio },
      goal: 'every socket welcomed and joined on both sides (a sizing figure for docs/CAPACITY.md; no target)',
      goalMet: allJoined,
      table: {
        head: ['side', 'sockets', 'RSS before (MiB)', 'RSS after (MiB)', 'KiB per socket', 'idle CPU (% of a core)'],
        rows: (['ours', 'baseline'] as const).map((s) => [s, figures[s].connections, Math.round(figures[s].rssBeforeBytes / 1048576), Math.round(figures[s].rssAfterBytes / 1048576), kib(figures[s].bytesPerConnection), Math.round(figures[s].idleCpuShare * 1000) / 10]),
      },
      bars: [
        { label: 'ours KiB/socket', value: kib(figures.ours.bytesPerConnection) },
        { label: 'bare uWS KiB/socket', value: kib(figures.baseline.bytesPerConnection) },
      ],
      unit: 'KiB per idle socket',
    };
  } finally {
    await Promise.allSettled([server.request('close', {}, 10_000), baseline.request('close', {}, 10_000)]);
  }
}

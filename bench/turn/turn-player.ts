// One player of the turn scenario: a `ws` client on the gateway that joins its session and takes
// its turns one after another (the next once the previous one is settled). Narration frames are
// counted by their prefix, without a JSON parse; the frames that settle a step are parsed.
import WebSocket from 'ws';
import { Latencies } from './latency.js';
import { countFailure } from './side-result.js';
import { turnText } from './turn-texts.js';

const NARRATION = '{"type":"narration"';

export interface PlayerSpec {
  index: number;
  session: string;
  token: string;
}

/** What the runtime side's players record together. */
export interface TurnTally {
  committed: number;
  failed: Record<string, number>;
  chunks: number;
  latency: Latencies;
  serverMs: Latencies;
}

interface Frame {
  type: string;
  ref?: string;
  session?: string;
  turn?: number;
  code?: string;
  ms?: number;
}

export class TurnPlayer {
  readonly #ws: WebSocket;
  readonly #spec: PlayerSpec;
  #waiting: ((f: Frame) => boolean) | null = null;
  #closed: Error | null = null;
  #onClose: ((err: Error) => void) | null = null;
  readonly tally: TurnTally;

  private constructor(ws: WebSocket, spec: PlayerSpec, tally: TurnTally) {
    this.tally = tally;
    this.#ws = ws;
    this.#spec = spec;
    ws.on('message', (data) => this.#frame(data.toString()));
    ws.on('close', (code, reason) => {
      this.#closed = new Error(`${spec.session}: socket closed (${code} ${reason.toString()})`);
      this.#onClose?.(this.#closed);
    });
  }

  /** Opens the socket, joins the session, resolves once `session-joined` arrives. */
  static async join(url: string, spec: PlayerSpec, tally: TurnTally, timeoutMs: number): Promise<TurnPlayer> {
    const ws = new WebSocket(`${url}?token=${spec.token}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`${spec.session}: upgrade refused with HTTP ${res.statusCode}`)));
    });
    ws.on('error', () => undefined);
    const p = new TurnPlayer(ws, spec, tally);
    const ref = `j-${spec.index}`;
    const joined = p.#until((f) => f.ref === ref && (f.type === 'session-joined' || f.type === 'error'), timeoutMs);
    ws.send(JSON.stringify({ type: 'join-session', session: spec.session, ref }));
    const f = await joined;
    if (f.type === 'error') throw new Error(`${spec.session}: join refused with ${f.code}`);
    return p;
  }

  /** Takes `turns` turns, each sent once the previous one is committed (or failed). */
  async play(turns: number, timeoutMs: number, onTurn: () => void): Promise<void> {
    const { session, index } = this.#spec;
    for (let turn = 1; turn <= turns; turn++) {
      const ref = `t${turn}`;
      // The player's own session and only player: the next settling frame of the session is this turn's.
      const settled = this.#until((f) => (f.session === session && (f.type === 'turn-committed' || f.type === 'turn-failed')) || (f.type === 'error' && f.ref === ref), timeoutMs);
      const started = performance.now();
      this.#ws.send(JSON.stringify({ type: 'turn', session, text: turnText(index, turn), ref }));
      let f: Frame;
      try {
        f = await settled;
      } catch {
        // No answer (or the socket closed): this turn and the ones not sent are counted, not waited for.
        countFailure(this.tally.failed, this.#closed === null ? 'no-answer' : 'socket-closed');
        for (let rest = turn + 1; rest <= turns; rest++) countFailure(this.tally.failed, 'not-sent');
        for (let rest = turn; rest <= turns; rest++) onTurn();
        return;
      }
      if (f.type === 'turn-committed') {
        this.tally.latency.record(performance.now() - started);
        if (typeof f.ms === 'number') this.tally.serverMs.record(f.ms);
        this.tally.committed++;
      } else {
        countFailure(this.tally.failed, f.code ?? f.type);
      }
      onTurn();
    }
  }

  close(): void {
    this.#ws.terminate();
  }

  #frame(s: string): void {
    if (s.startsWith(NARRATION)) {
      this.tally.chunks++;
      return;
    }
    const wait = this.#waiting;
    if (wait === null) return;
    const f = JSON.parse(s) as Frame;
    wait(f);
  }

  #until(match: (f: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      if (this.#closed !== null) return reject(this.#closed);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiting = null;
        this.#onClose = null;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.#spec.session}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#onClose = (err) => {
        done();
        reject(err);
      };
      this.#waiting = (f) => {
        if (!match(f)) return false;
        done();
        resolve(f);
        return true;
      };
    });
  }
}

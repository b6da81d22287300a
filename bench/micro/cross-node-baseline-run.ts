// One ping run of the cross-node baseline's side a, shaped like the pinger actor's: a closed loop
// with a window, or paced at a rate; timed from the first ping to the last pong.
import type { Envelope } from '../../runtime/index.js';
import { epochNow, type Ping, type PingRun, type PingTiming, type Pong } from './actors/cluster-actors.js';
import { echoKey, pingerKey, type Numbering } from './cross-node-envelopes.js';

/** Where a run's pings go: the baseline's side a (RawStreamsPeer). */
export interface PingSender {
  send(e: Envelope): void;
  readonly numbers: Numbering;
  /** The runtime's pinger id, the `from` of the pings. */
  readonly pinger: string;
}

/** A ping run of side a, shaped like the pinger actor's. */
export class BaselineRun {
  readonly #run: PingRun;
  readonly #peer: PingSender;
  readonly #from: string;
  readonly #targets: string[];
  readonly #pongLatencyUs: Float64Array;
  readonly #roundTripUs: Float64Array;
  #sent = 0;
  #pongs = 0;
  #strays = 0;
  #startedAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #finish!: (t: PingTiming) => void;

  constructor(run: PingRun, peer: PingSender) {
    this.#run = run;
    this.#peer = peer;
    this.#from = pingerKey(peer.pinger);
    this.#targets = run.targets.map(echoKey);
    this.#pongLatencyUs = new Float64Array(run.total);
    this.#roundTripUs = new Float64Array(run.total);
  }

  start(): Promise<PingTiming> {
    const done = new Promise<PingTiming>((resolve) => (this.#finish = resolve));
    this.#startedAt = epochNow();
    if (this.#run.rate > 0) this.#pace();
    else while (this.#sent < this.#run.total && this.#sent - this.#pongs < this.#run.window) this.#sendPing();
    return done;
  }

  pong(msg: Pong, now: number): void {
    if (msg.n >= this.#run.total) return void this.#strays++;
    const i = this.#pongs++;
    this.#pongLatencyUs[i] = (now - msg.bt) * 1000;
    this.#roundTripUs[i] = (now - msg.at) * 1000;
    if (this.#run.rate === 0) while (this.#sent < this.#run.total && this.#sent - this.#pongs < this.#run.window) this.#sendPing();
    if (this.#pongs === this.#run.total) {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#finish({
        pings: this.#sent,
        pongs: this.#pongs,
        elapsedMs: now - this.#startedAt,
        pongLatencyUs: this.#pongLatencyUs,
        roundTripUs: this.#roundTripUs,
        strays: this.#strays,
      });
    }
  }

  #sendPing(): void {
    const n = this.#sent++;
    this.#peer.send(this.#peer.numbers.envelope(this.#targets[n % this.#targets.length], this.#from, { type: 'ping', n, at: epochNow() } satisfies Ping));
  }

  /** The same pacing as the pinger: a 1 ms timer, sending what is due by now. */
  #pace(): void {
    const due = Math.min(this.#run.total, Math.floor(((epochNow() - this.#startedAt) * this.#run.rate) / 1000) + 1);
    while (this.#sent < due) this.#sendPing();
    this.#timer = this.#sent < this.#run.total ? setTimeout(() => this.#pace(), 1) : null;
  }
}

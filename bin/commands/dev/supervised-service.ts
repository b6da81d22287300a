// One service of the topology under the supervisor: started, watched, restarted with backoff
// (supervisors/backoff.ts, the project's one retry delay) when it dies unexpectedly, given up on past
// its restart intensity (restart-intensity.ts: it is then `failed` and stays down), and stopped on
// request with a grace period. Every step is recorded (dev-events.ts): the stop order and the restarts
// are read from that record, not guessed from timing.
import { Backoff, type BackoffPolicy } from '../../../supervisors/backoff.js';
import type { Incarnation } from './child-service.js';
import type { DevEventInput } from './dev-events.js';
import { RestartIntensity, type RestartLimit } from './restart-intensity.js';
import type { ServiceKind } from './state-file.js';

export interface ServiceDef {
  readonly name: string;
  readonly kind: ServiceKind;
  /** Stop order: the highest tier first (the edge, then the nodes, then the stores). */
  readonly tier: number;
  readonly graceMs: number;
  /** False for what cannot be started again in place (the embedded PostgreSQL, a thread of the supervisor). */
  readonly restartable: boolean;
  /** Makes the process (it exists once this resolves). */
  spawn(): Promise<Incarnation>;
  /** Resolves once the incarnation answers as it should; `restart`: it replaces one that died. */
  ready(incarnation: Incarnation, restart: boolean): Promise<void>;
}

export type ServiceState = 'starting' | 'up' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** Delays between restart attempts: 0.5 s doubling to 30 s, +20 % jitter, from 0.5 s again after a minute without failure. */
export const RESTART_BACKOFF: BackoffPolicy = { minMs: 500, maxMs: 30_000, randomFactor: 0.2, resetAfterMs: 60_000 };

export interface SupervisionHooks {
  readonly limit: RestartLimit;
  readonly backoff?: BackoffPolicy;
  /** Records one step (appended to the event log). */
  record(event: DevEventInput): void;
  /** The service's pid, state or restarts changed: the state file is written again. */
  changed(): void;
  readonly now?: () => number;
}

export class SupervisedService {
  readonly def: ServiceDef;
  state: ServiceState = 'starting';
  /** Restart attempts so far (those that failed to start included). */
  restarts = 0;
  current: Incarnation | null = null;
  readonly #hooks: SupervisionHooks;
  readonly #intensity: RestartIntensity;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  #stopping = false;
  #spawning: Promise<unknown> | null = null;
  #lastFailureAt = 0;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(def: ServiceDef, hooks: SupervisionHooks) {
    this.def = def;
    this.#hooks = hooks;
    this.#intensity = new RestartIntensity(hooks.limit);
    this.#backoff = new Backoff(hooks.backoff ?? RESTART_BACKOFF);
    this.#now = hooks.now ?? Date.now;
  }

  get name(): string {
    return this.def.name;
  }

  /** First start, step one: the process. */
  async launch(): Promise<Incarnation> {
    if (this.#stopping) throw new Error(`${this.name}: stopped before it started`);
    const incarnation = await this.#spawn();
    this.#hooks.record({ event: 'started', service: this.name, pid: incarnation.pid });
    return incarnation;
  }

  /** First start, step two: it answers; from then on it is watched. Throws if it exits first. */
  async becomeReady(): Promise<void> {
    const incarnation = this.current!;
    await readyOrExit(this.def, incarnation, false);
    this.state = 'up';
    this.#watch(incarnation);
  }

  async start(): Promise<void> {
    await this.launch();
    await this.becomeReady();
  }

  /** Stops the service for good (a pending restart is called off); recorded as `stopping`, then `stopped`. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#wake?.();
    await this.#spawning?.catch(() => {});
    const incarnation = this.current;
    const before = this.state;
    this.state = 'stopping';
    if (incarnation === null) {
      this.#hooks.record({ event: 'stopped', service: this.name, pid: 0, was: before });
      this.state = 'stopped';
      return;
    }
    this.#hooks.record({ event: 'stopping', service: this.name, pid: incarnation.pid, was: before });
    const { exit, forced } = await incarnation.stop(this.def.graceMs);
    this.#hooks.record({ event: 'stopped', service: this.name, pid: incarnation.pid, code: exit.code, signal: exit.signal, forced });
    this.state = 'stopped';
  }

  /** def.spawn(), `current` set before anyone awaiting #spawning (stop()) resumes. */
  #spawn(): Promise<Incarnation> {
    const spawning = this.def.spawn().then((incarnation) => {
      this.current = incarnation;
      return incarnation;
    });
    this.#spawning = spawning;
    return spawning.finally(() => {
      if (this.#spawning === spawning) this.#spawning = null;
    });
  }

  #watch(incarnation: Incarnation): void {
    void incarnation.exited.then((exit) => {
      if (this.#stopping || this.current !== incarnation) return;
      this.#hooks.record({ event: 'exited', service: this.name, pid: incarnation.pid, code: exit.code, signal: exit.signal });
      void this.#restart();
    });
  }

  async #restart(): Promise<void> {
    for (;;) {
      if (this.#stopping) return;
      const now = this.#now();
      const quietMs = now - this.#lastFailureAt;
      this.#lastFailureAt = now;
      if (!this.def.restartable || !this.#intensity.admit(now)) {
        this.state = 'failed';
        const { maxRestarts, periodMs } = this.#intensity.limit;
        const why = this.def.restartable ? `more than ${maxRestarts} restarts within ${periodMs / 1000} s` : 'not restartable';
        this.#hooks.record({ event: 'failed', service: this.name, restarts: this.restarts, reason: why });
        this.#hooks.changed();
        return;
      }
      this.restarts++;
      this.state = 'restarting';
      const delayMs = this.#backoff.next(quietMs);
      this.#hooks.record({ event: 'restarting', service: this.name, restarts: this.restarts, delayMs });
      this.#hooks.changed();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, delayMs);
      });
      this.#timer = null;
      this.#wake = null;
      if (this.#stopping) return;
      let incarnation: Incarnation;
      try {
        incarnation = await this.#spawn();
      } catch (err) {
        this.#hooks.record({ event: 'restart-failed', service: this.name, restarts: this.restarts, reason: messageOf(err) });
        continue;
      }
      if (this.#stopping) return;
      try {
        await readyOrExit(this.def, incarnation, true);
      } catch (err) {
        if (this.#stopping) return;
        this.#hooks.record({ event: 'restart-failed', service: this.name, pid: incarnation.pid, restarts: this.restarts, reason: messageOf(err) });
        await incarnation.stop(this.def.graceMs);
        continue;
      }
      if (this.#stopping) return;
      this.state = 'up';
      this.#hooks.record({ event: 'restarted', service: this.name, pid: incarnation.pid, restarts: this.restarts });
      this.#hooks.changed();
      this.#watch(incarnation);
      return;
    }
  }
}

/** `def.ready(incarnation)`, or a rejection as soon as the incarnation exits first (with the end of its log). */
async function readyOrExit(def: ServiceDef, incarnation: Incarnation, restart: boolean): Promise<void> {
  let exitedFirst = true;
  const ready = def.ready(incarnation, restart).finally(() => (exitedFirst = false));
  const exited = incarnation.exited.then(({ code, signal }) => {
    if (!exitedFirst) return;
    const tail = incarnation.tail?.() ?? '';
    throw new Error(`${def.name} exited while starting (code ${code}, signal ${signal})${tail === '' ? '' : `\n${tail}`}`);
  });
  exited.catch(() => {});
  await Promise.race([ready, exited]);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

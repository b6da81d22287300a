import { EventEmitter } from 'node:events';
import { durationOption, integerOption, objectOption } from '../../runtime/index.js';
import { Backoff, type BackoffPolicy } from '../../supervisors/index.js';
import { probeCouch } from './couch-probe.js';
import { embeddedCouchSecret, startEmbeddedCouch, type EmbeddedCouch, type EmbeddedCouchExit, type EmbeddedCouchOptions } from './embedded-couch.js';

/** Whether the supervised server answers: `up`; `restarting` while its child is down; `closed` after close(). */
export type SupervisedCouchStatus = 'up' | 'restarting' | 'closed';

export interface SupervisedCouchOptions extends Omit<EmbeddedCouchOptions, 'secret'> {
  /** Delays between restarts of a dead child. Default 100 ms doubling to 5 s, reset after 30 s up. */
  restartBackoff?: BackoffPolicy;
  /** How often the child is asked `GET /` (the liveness probe). Default 1,000 ms. */
  probeIntervalMs?: number;
  /** How long one probe may take. Default 1,000 ms. */
  probeTimeoutMs?: number;
  /** Probes failed in a row after which a running child is killed (and restarted). Default 3. */
  probeFailures?: number;
}

export interface SupervisedCouchEvents {
  /** The status changed; `exit` is set when a child's death caused it. */
  status: [status: SupervisedCouchStatus, exit: EmbeddedCouchExit | undefined];
  /** A child is up again; `restarts` counts every restart since start. */
  restarted: [restarts: number, pid: number];
  /** A restart attempt failed (it is tried again after the next delay). */
  'restart-failed': [error: Error, delayMs: number];
  /** A running child stopped answering its probe and was killed. */
  unresponsive: [pid: number, failures: number];
}

const DEFAULT_RESTART_BACKOFF: BackoffPolicy = { minMs: 100, maxMs: 5_000, randomFactor: 0.2, resetAfterMs: 30_000 };

/**
 * The embedded CouchDB-protocol server under supervision: its child is watched (the exit event,
 * and a liveness probe that kills a child which stopped answering) and restarted with backoff on
 * the same data directory, host, port and secret, so the URL every worker's store holds stays
 * right and the stores' own retries (couch-http.ts) carry saves through a short outage. The secret
 * is made here, once per start of the node, and `url` carries it: never log `url`, log `safeUrl`.
 */
export class SupervisedCouch extends EventEmitter<SupervisedCouchEvents> {
  readonly url: string;
  readonly safeUrl: string;
  readonly port: number;
  readonly dataDir: string;
  readonly #options: EmbeddedCouchOptions;
  readonly #backoff: Backoff;
  readonly #probeIntervalMs: number;
  readonly #probeTimeoutMs: number;
  readonly #probeFailures: number;
  #child: EmbeddedCouch;
  #status: SupervisedCouchStatus = 'up';
  #restarts = 0;
  #lastExit: (EmbeddedCouchExit & { at: number }) | null = null;
  #upSince = performance.now();
  #failedProbes = 0;
  #probing = false;
  #probe: NodeJS.Timeout;
  #restartTimer: NodeJS.Timeout | null = null;
  /** A restart under way (its child is closed by close() once it started). */
  #restarting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  private constructor(child: EmbeddedCouch, options: EmbeddedCouchOptions, resolved: Required<Pick<SupervisedCouchOptions, 'restartBackoff' | 'probeIntervalMs' | 'probeTimeoutMs' | 'probeFailures'>>) {
    super();
    this.#child = child;
    // The restarts reuse the port the first child got, so the workers' URL stays valid.
    this.#options = { ...options, port: child.port };
    this.url = child.url;
    this.safeUrl = child.safeUrl;
    this.port = child.port;
    this.dataDir = options.dataDir;
    this.#backoff = new Backoff(resolved.restartBackoff);
    this.#probeIntervalMs = resolved.probeIntervalMs;
    this.#probeTimeoutMs = resolved.probeTimeoutMs;
    this.#probeFailures = resolved.probeFailures;
    this.#watch(child);
    this.#probe = setInterval(() => void this.#runProbe(), this.#probeIntervalMs).unref();
  }

  /** Starts the first child (failing as startEmbeddedCouch fails), then supervises it. */
  static async start(options: SupervisedCouchOptions): Promise<SupervisedCouch> {
    objectOption('', options);
    const { restartBackoff = DEFAULT_RESTART_BACKOFF, probeIntervalMs = 1_000, probeTimeoutMs = 1_000, probeFailures = 3, ...couch } = options;
    objectOption('restartBackoff', restartBackoff);
    const resolved = {
      restartBackoff,
      probeIntervalMs: durationOption('probeIntervalMs', probeIntervalMs),
      probeTimeoutMs: durationOption('probeTimeoutMs', probeTimeoutMs),
      probeFailures: integerOption('probeFailures', probeFailures, 1, 1_000),
    };
    const full: EmbeddedCouchOptions = { ...couch, secret: embeddedCouchSecret() };
    return new SupervisedCouch(await startEmbeddedCouch(full), full, resolved);
  }

  get status(): SupervisedCouchStatus {
    return this.#status;
  }

  /** Restarts since start. */
  get restarts(): number {
    return this.#restarts;
  }

  /** How the last child died (null while none did). */
  get lastExit(): (EmbeddedCouchExit & { at: number }) | null {
    return this.#lastExit;
  }

  /** The pid of the child serving now (the dead one's while restarting). */
  get pid(): number {
    return this.#child.pid;
  }

  /** Stops supervising, then stops the child and waits for its exit. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#setStatus('closed', undefined);
    clearInterval(this.#probe);
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    await this.#restarting;
    await this.#child.close();
  }

  #watch(child: EmbeddedCouch): void {
    void child.exited.then((exit) => {
      if (this.#closing !== null || child !== this.#child) return;
      this.#lastExit = { ...exit, at: Date.now() };
      this.#setStatus('restarting', exit);
      this.#scheduleRestart();
    });
  }

  #scheduleRestart(): void {
    if (this.#closing !== null) return;
    const delayMs = this.#backoff.next(performance.now() - this.#upSince);
    this.#restartTimer = setTimeout(() => {
      this.#restarting = this.#restart(delayMs).finally(() => (this.#restarting = null));
    }, delayMs);
  }

  async #restart(lastDelayMs: number): Promise<void> {
    this.#restartTimer = null;
    if (this.#closing !== null) return;
    let child: EmbeddedCouch;
    try {
      child = await startEmbeddedCouch(this.#options);
    } catch (err) {
      this.emit('restart-failed', err as Error, lastDelayMs);
      this.#upSince = performance.now();
      this.#scheduleRestart();
      return;
    }
    if (this.#closing !== null) {
      await child.close();
      return;
    }
    this.#child = child;
    this.#restarts++;
    this.#upSince = performance.now();
    this.#failedProbes = 0;
    this.#watch(child);
    this.#setStatus('up', undefined);
    this.emit('restarted', this.#restarts, child.pid);
  }

  /** `GET /` with the secret; a child that fails it `probeFailures` times in a row is killed (its exit restarts it). */
  async #runProbe(): Promise<void> {
    if (this.#probing || this.#status !== 'up') return;
    this.#probing = true;
    const child = this.#child;
    const ok = await probeCouch(this.url, this.#probeTimeoutMs);
    this.#probing = false;
    if (child !== this.#child || this.#status !== 'up') return;
    if (ok) {
      this.#failedProbes = 0;
      return;
    }
    if (++this.#failedProbes >= this.#probeFailures) {
      this.emit('unresponsive', child.pid, this.#failedProbes);
      this.#failedProbes = 0;
      child.kill();
    }
  }

  #setStatus(status: SupervisedCouchStatus, exit: EmbeddedCouchExit | undefined): void {
    if (this.#status === status) return;
    this.#status = status;
    this.emit('status', status, exit);
  }
}

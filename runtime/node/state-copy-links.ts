import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { encodeSeed, type SaveEvent, type StateCopyInit } from '../host/saved-state-report.js';
import { StateCopy, type StateCopyStats } from './state-copy.js';

/** How long a replacement worker keeps the documents it was handed before it lets them go. */
const SEED_FOR_MS = 60_000;

interface Link {
  port: MessagePort;
  pending: Int32Array;
}

/**
 * The main thread's side of the node-kept copy: one channel per worker incarnation, on which the
 * worker's ReportingStateStore posts its save events, applied to the node's StateCopy. When a
 * worker dies, what it posted is taken off its channel at once (receiveMessageOnPort: it is in
 * this thread's queue even if the 'message' event has not run yet), then its pending counter says
 * whether a save had started that it never reported. Its replacement is handed the documents of
 * its actors at start (`forWorker`), so their first loads do not reach the store.
 */
export class StateCopyLinks {
  readonly copy: StateCopy;
  readonly #links = new Map<number, Link>();
  /** Says whether the node places `key`'s actor on `thread` now (a document of an actor that moved is not handed over). */
  readonly #placedOn: (key: string, thread: number) => boolean;
  #handed = 0;
  /** Bumped by every clear(): a worker handed documents before the last one must not trust them. */
  #generation = 0;
  readonly #handedAt = new Map<number, number>();

  constructor(maxBytes: number, placedOn: (key: string, thread: number) => boolean) {
    this.copy = new StateCopy(maxBytes);
    this.#placedOn = placedOn;
  }

  /** Documents handed to replacement workers so far. */
  get handed(): number {
    return this.#handed;
  }

  stats(): StateCopyStats & { handed: number } {
    return { ...this.copy.stats(), handed: this.#handed };
  }

  /** The workerData part of a (re)starting worker: a new channel, a new counter, and its actors' documents. */
  forWorker(thread: number): StateCopyInit {
    this.#close(thread);
    const { port1, port2 } = new MessageChannel();
    const pending = new SharedArrayBuffer(4);
    const link: Link = { port: port1, pending: new Int32Array(pending) };
    port1.on('message', (events: SaveEvent[]) => {
      if (this.#links.get(thread) === link) this.copy.apply(thread, events);
    });
    port1.unref();
    this.#links.set(thread, link);
    const docs = this.copy.docsOf(thread, (key) => this.#placedOn(key, thread));
    this.#handed += docs.length;
    this.#handedAt.set(thread, this.#generation);
    return { port: port2, pending, seed: encodeSeed(docs), seedForMs: SEED_FOR_MS };
  }

  /** A worker's thread ended: its reports are read to the last, and what it left unknown is forgotten. */
  workerDied(thread: number): void {
    const link = this.#links.get(thread);
    if (link === undefined) return;
    for (let m = receiveMessageOnPort(link.port); m !== undefined; m = receiveMessageOnPort(link.port)) this.copy.apply(thread, m.message as SaveEvent[]);
    this.copy.workerDied(thread, Atomics.load(link.pending, 0) > 0);
    this.#close(thread);
  }

  /** The placement is changing: actors may be written by another node from now on. */
  clear(): void {
    this.#generation++;
    this.copy.clear();
  }

  /** The placement changed since `thread`'s worker was handed its documents (it must get the new view). */
  handedBeforeChange(thread: number): boolean {
    const at = this.#handedAt.get(thread);
    return at !== undefined && at !== this.#generation;
  }

  close(): void {
    for (const thread of [...this.#links.keys()]) this.#close(thread);
    this.copy.clear();
  }

  #close(thread: number): void {
    const link = this.#links.get(thread);
    if (link === undefined) return;
    this.#links.delete(thread);
    link.port.close();
  }
}

// Requests waiting for their answers, matched by `ref`; those not yet sent wait in a bounded queue.
// A `say` has no answer of its own: the room's `said` line from this player is its confirmation,
// and a room returns its lines in the order of the says, so sent says wait per room, oldest first,
// and a line from this player confirms the oldest one of its text (a say whose answer timed out
// cannot confirm a later one with another text).
import type { ClientFrame, ServerFrame } from '../protocol/index.js';
import type { GlassClientError } from './errors.js';

export interface PendingRequest {
  readonly ref: string;
  /** Increases with each request made. */
  readonly order: number;
  readonly frame: ClientFrame & { ref: string };
  /** Internal requests (rejoins, the resume's repairs) skip the queue limit. */
  readonly internal: boolean;
  readonly resolve: (answer: ServerFrame) => void;
  readonly reject: (err: GlassClientError) => void;
  sent: boolean;
  rateLimitRetries: number;
  timer: unknown;
}

export class Requests {
  readonly #maxQueued: number;
  readonly #byRef = new Map<string, PendingRequest>();
  readonly #queue: PendingRequest[] = [];
  readonly #says = new Map<string, PendingRequest[]>();
  #next = 0;

  constructor(maxQueued: number) {
    this.#maxQueued = maxQueued;
  }

  /** A fresh ref, and the request's place in the order requests were made. */
  nextRef(): { ref: string; order: number } {
    const order = ++this.#next;
    return { ref: `c${order}`, order };
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Queues a request to be sent; false if the queue is full (internal requests always fit). `front` puts it first. */
  enqueue(request: PendingRequest, front = false): boolean {
    if (!request.internal && !front && this.#queue.length >= this.#maxQueued) return false;
    this.#byRef.set(request.ref, request);
    if (front) this.#queue.unshift(request);
    else this.#queue.push(request);
    return true;
  }

  /**
   * Puts a sent request back in the queue (a rate-limited frame the server did not act on), ahead of
   * every later request: frames refused in a row go out again in the order they were made.
   */
  requeue(request: PendingRequest): void {
    this.#unsay(request);
    request.sent = false;
    const later = this.#queue.findIndex((queued) => queued.order > request.order);
    this.#queue.splice(later < 0 ? this.#queue.length : later, 0, request);
  }

  peek(): PendingRequest | undefined {
    return this.#queue[0];
  }

  /** The head of the queue is being sent. */
  markSent(): PendingRequest | undefined {
    const request = this.#queue.shift();
    if (request === undefined) return undefined;
    request.sent = true;
    if (request.frame.type === 'say') {
      const room = request.frame.room;
      const says = this.#says.get(room);
      if (says === undefined) this.#says.set(room, [request]);
      else says.push(request);
    }
    return request;
  }

  get(ref: string): PendingRequest | undefined {
    return this.#byRef.get(ref);
  }

  /** The oldest sent `say` to `room` of this text still waiting for its line. */
  sayFor(room: string, text: string): PendingRequest | undefined {
    return this.#says.get(room)?.find((request) => request.frame.type === 'say' && request.frame.text === text);
  }

  /** Forgets a request (answered, refused, timed out); returns whether it was pending. */
  remove(request: PendingRequest): boolean {
    if (!this.#byRef.delete(request.ref)) return false;
    const index = this.#queue.indexOf(request);
    if (index >= 0) this.#queue.splice(index, 1);
    this.#unsay(request);
    return true;
  }

  /** Removes and returns the requests that were sent (their answers died with the connection). */
  takeSent(): PendingRequest[] {
    const sent = [...this.#byRef.values()].filter((r) => r.sent);
    for (const request of sent) this.remove(request);
    return sent;
  }

  /** Removes and returns every request, sent or queued. */
  takeAll(): PendingRequest[] {
    const all = [...this.#byRef.values()];
    this.#byRef.clear();
    this.#queue.length = 0;
    this.#says.clear();
    return all;
  }

  #unsay(request: PendingRequest): void {
    if (request.frame.type !== 'say') return;
    const says = this.#says.get(request.frame.room);
    const index = says?.indexOf(request) ?? -1;
    if (says !== undefined && index >= 0) says.splice(index, 1);
    if (says !== undefined && says.length === 0) this.#says.delete(request.frame.room);
  }
}

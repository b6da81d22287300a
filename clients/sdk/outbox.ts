// The client's side of requests: each one validated against the protocol, queued (bounded) while
// there is no connection, paced to the gateway's rate limit, sent, timed out, and settled by its
// answer. GlassClient decides when the connection is usable; the outbox only asks it.
import { ClientFrame, type ServerFrame } from '../protocol/index.js';
import { ClientErrors, GlassClientError, type GlassClientErrorDetails } from './errors.js';
import type { ClientState } from './events.js';
import type { ResolvedOptions } from './options.js';
import { Pacer } from './pacer.js';
import { Requests, type PendingRequest } from './requests.js';
import type { Link } from './socket.js';

/** A client frame as the caller gives it: the SDK adds the `ref`. */
export type Outgoing = ClientFrame extends infer F ? (F extends { ref?: string } ? Omit<F, 'ref'> : never) : never;

/** What the outbox reads of its client. */
export interface OutboxHost {
  readonly state: ClientState;
  readonly link: Link | null;
}

export class Outbox {
  readonly requests: Requests;
  readonly pacer: Pacer;
  readonly #o: ResolvedOptions;
  readonly #host: OutboxHost;
  #paceTimer: unknown = null;

  constructor(options: ResolvedOptions, host: OutboxHost) {
    this.#o = options;
    this.#host = host;
    this.requests = new Requests(options.maxQueued);
    this.pacer = new Pacer(options.scheduler.now);
  }

  request(frame: Outgoing, internal = false): Promise<ServerFrame> {
    const state = this.#host.state;
    if (state === 'closed') return Promise.reject(new GlassClientError(ClientErrors.CLOSED, `the client is closed: ${frame.type} not sent`));
    if (state === 'idle') return Promise.reject(new GlassClientError(ClientErrors.NOT_CONNECTED, `connect() first: ${frame.type} not sent`));
    const { ref, order } = this.requests.nextRef();
    const parsed = ClientFrame.safeParse({ ...frame, ref });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined ? '' : `${issue.path.join('.')}: ${issue.message}`;
      return Promise.reject(new GlassClientError(ClientErrors.INVALID_REQUEST, `invalid ${frame.type} (${where}): not sent`, targets(frame)));
    }
    return new Promise<ServerFrame>((resolve, reject) => {
      const request: PendingRequest = {
        ref,
        order,
        frame: parsed.data as PendingRequest['frame'],
        internal,
        resolve,
        reject,
        sent: false,
        rateLimitRetries: 0,
        timer: null,
      };
      if (!this.requests.enqueue(request, internal)) {
        return reject(this.error(ClientErrors.QUEUE_FULL, `${this.#o.maxQueued} requests already wait for the connection`, request));
      }
      request.timer = this.#o.scheduler.setTimeout(
        () => {
          if (!this.requests.remove(request)) return;
          const outcome = request.sent ? 'its outcome is unknown' : 'it was not sent';
          reject(this.error(ClientErrors.TIMEOUT, `no answer to ${frame.type} within ${this.#o.requestTimeoutMs} ms: ${outcome}`, request));
        },
        this.#o.requestTimeoutMs,
        'request',
      );
      this.flush();
    });
  }

  /** Sends queued requests while the connection is open, as fast as the gateway's rate limit allows. */
  flush(): void {
    if (this.#host.state !== 'open') return;
    this.cancelPace();
    while (this.requests.peek() !== undefined) {
      const link = this.#host.link;
      if (link === null || !link.open) return;
      const wait = this.pacer.waitMs();
      if (wait > 0) {
        this.#paceTimer = this.#o.scheduler.setTimeout(
          () => {
            this.#paceTimer = null;
            this.flush();
          },
          wait,
          'pace',
        );
        return;
      }
      this.pacer.take();
      const request = this.requests.markSent();
      if (request !== undefined) link.send(request.frame);
    }
  }

  cancelPace(): void {
    if (this.#paceTimer === null) return;
    this.#o.scheduler.clearTimeout(this.#paceTimer);
    this.#paceTimer = null;
  }

  answer(ref: string | undefined, frame: ServerFrame): void {
    const request = ref === undefined ? undefined : this.requests.get(ref);
    if (request !== undefined) this.settle(request).resolve(frame);
  }

  /** Forgets an answered request and stops its timer; returns it to resolve or reject. */
  settle(request: PendingRequest): PendingRequest {
    this.requests.remove(request);
    this.#o.scheduler.clearTimeout(request.timer);
    return request;
  }

  reject(request: PendingRequest, cause: GlassClientError): void {
    this.#o.scheduler.clearTimeout(request.timer);
    request.reject(this.error(cause.code, cause.message, request, { closeCode: cause.closeCode, cause: cause.cause }));
  }

  error(code: string, message: string, request: PendingRequest, details: GlassClientErrorDetails = {}): GlassClientError {
    return new GlassClientError(code, message, { ...targets(request.frame), ...details });
  }
}

function targets(frame: { type: string; room?: string; session?: string }): { room?: string; session?: string } {
  const found: { room?: string; session?: string } = {};
  if (frame.room !== undefined) found.room = frame.room;
  if (frame.session !== undefined) found.session = frame.session;
  return found;
}

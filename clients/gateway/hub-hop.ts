// The hub hop of a `say` as the gateway that took the frame measures it, for glass_hub_hop_seconds
// (clients/ops/hub-hop-histogram.ts): from the connection sending the frame's `say` ask (after the
// rate limit, the codec and the membership check: microseconds after uWS handed the bytes over)
// to the settlement of that ask on this main thread.
//
// Why the reply marks the broadcast: the room sends the line's room-event to every gateway with
// members before it answers the ask (the outbox is released, then the reply goes out, on the same
// link, in the same batch; across nodes on the same stream). Here the room-event's publish to the
// room's uWS topic — uWS writes it to every member socket then — is queued one microtask after its
// delivery, and the ask's `.then` callback only after the reply that follows it, so when the hop
// ends the line has been written to this node's member sockets. A line held for a gap
// (line-order.ts) ends its hop before it is written; lines of players on other gateways are
// measured by the gateway that took their frame, up to the same point (their own node's broadcast).
//
// Cheap: one timer per connection, and only one of its says measured at a time. The callback is
// the connection's one bound function (no allocation per frame); a say sent while the measured
// one is unanswered is not measured (a player saying faster than the hub answers). A measured say
// that failed is never answered: its sample is dropped once it is older than the ask timeout.
import { performance } from 'node:perf_hooks';

/** Where hops go (the ops metrics' histogram); seconds. */
export type HubHopSink = (seconds: number) => void;

export class HubHopTimer {
  readonly #sink: HubHopSink | null;
  readonly #staleMs: number;
  #startedAt = -1;
  readonly #done = (): void => {
    const at = this.#startedAt;
    if (at < 0) return;
    this.#startedAt = -1;
    this.#sink!((performance.now() - at) / 1000);
  };

  /** `staleMs`: the say's ask timeout (a measured say older than that has settled one way or the other). */
  constructor(sink: HubHopSink | null, staleMs: number) {
    this.#sink = sink;
    this.#staleMs = staleMs;
  }

  /** For a say being sent: the reply callback if this say is measured, else undefined (not measured). */
  begin(): (() => void) | undefined {
    if (this.#sink === null) return undefined;
    const now = performance.now();
    if (this.#startedAt >= 0 && now - this.#startedAt <= this.#staleMs) return undefined;
    this.#startedAt = now;
    return this.#done;
  }
}

// The human GM queue at the edge: a moderator socket subscribes to the node's `moderators` topic,
// and the node registers with the GM queue actor (`watch`) so that each change of the queue is
// told to this node's gateway, which publishes it (the `gm-queue` frame) to its moderator sockets.
import type { GmQueueDelivery } from '../../actors/index.js';
import { GM_QUEUE_ID, gmQueue } from '../../actors/index.js';
import type { Logger } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';

/** The uWS topic every moderator socket of a node is subscribed to. */
export const MODERATORS_TOPIC = 'moderators';

/** How often a node registers again while it has moderator sockets (the actor forgets no watcher, but may have lost its state). */
const REWATCH_MS = 60_000;

export class GmQueueRelay {
  readonly #node: GlassNode;
  readonly #log: Logger;
  #watchedAt = -Infinity;

  constructor(node: GlassNode, log: Logger) {
    this.#node = node;
    this.#log = log;
  }

  /** A moderator socket opened on this node: make sure the GM queue tells this node. */
  moderatorConnected(now = Date.now()): void {
    if (now - this.#watchedAt < REWATCH_MS) return;
    this.#watchedAt = now;
    gmQueue
      .ref(this.#node, GM_QUEUE_ID)
      .ask({ type: 'watch', node: this.#node.id })
      .catch((err: unknown) => {
        this.#watchedAt = -Infinity;
        this.#log.warn({ code: (err as { code?: string })?.code }, 'could not register with the GM queue');
      });
  }

  /** The text to publish to MODERATORS_TOPIC, or null when the message is not the GM queue's. */
  frameOf(msg: unknown): string | null {
    const d = msg as GmQueueDelivery | null;
    if (d === null || typeof d !== 'object' || d.type !== 'gm-queue-event' || d.event?.type !== 'gm-queue') return null;
    return JSON.stringify(d.event);
  }
}

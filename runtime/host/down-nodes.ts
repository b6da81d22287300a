import type { NodeMember } from '../placement.js';

/** Down nodes a host remembers (CellContext.nodeDownSince) at most; the oldest is dropped first. */
const MAX_DOWN_NODES = 1_024;

/** Since when (the host's clock) each node the membership lost without a leave has been down. */
export class DownNodes {
  readonly #since = new Map<string, number>();

  since(node: string): number | undefined {
    return this.#since.get(node);
  }

  /** A new membership: members are forgotten, nodes newly in `down` noted at `now`. True when one was newly lost. */
  note(members: readonly NodeMember[], down: readonly string[], now: number): boolean {
    for (const m of members) this.#since.delete(m.id);
    let lost = false;
    for (const node of down) {
      if (this.#since.has(node)) continue;
      if (this.#since.size >= MAX_DOWN_NODES) this.#since.delete(this.#since.keys().next().value!);
      this.#since.set(node, now);
      lost = true;
    }
    return lost;
  }
}

import type { GlassNode } from '../../runtime/node/index.js';

export { SHARED_REDIS_URL as REDIS_URL, deleteKeys } from '../contract/transport-redis-server.js';

/** Resolves once every node has applied a view of `count` members (so they all place alike). */
export function allSee(nodes: readonly GlassNode[], count: number): Promise<void> {
  return Promise.all(
    nodes.map((node) => new Promise<void>((resolve) => (node.members().length === count ? resolve() : node.onMembers((m) => m.length === count && resolve())))),
  ).then(() => undefined);
}

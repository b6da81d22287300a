import { startNode, type GlassNode, type NodeOptions } from '../runtime/index.js';

/** The placement every node uses unless told otherwise (hashring over nodes, then workers). */
export const HASHRING_PLACEMENT = { module: new URL('./hashring-placement.js', import.meta.url).href, export: 'createHashringPlacement' };
/** The game's actor kinds: room and session. */
export const GAME_ACTORS = new URL('../actors/index.js', import.meta.url).href;

/** Options for a node on embedded defaults: the game's kinds, hashring placement, memory store. */
export function defaultNodeOptions(overrides: Partial<NodeOptions> = {}): NodeOptions {
  return { actorModules: [GAME_ACTORS], placement: HASHRING_PLACEMENT, ...overrides };
}

export function startDefaultNode(overrides: Partial<NodeOptions> = {}): Promise<GlassNode> {
  return startNode(defaultNodeOptions(overrides));
}

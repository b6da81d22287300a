// How a session uses the scene cache (runtime/scene-cache.ts, the `scene-cache` node service). The
// session actor is the only writer: a committed turn's scene is stored with that turn's number, and
// any override on the session invalidates it (a moderator's change may make a summary wrong: a
// summariser that prompts derives it again). The turn runner reads it when a turn starts, and uses
// it only if it is the scene of the turn the session last committed (`TurnInput.sceneTurn`): an
// entry left by a turn whose commit was lost (a dead worker), or by an earlier stay of the session
// on this worker, is never used. A node without the service, or a cache that fails, changes
// nothing: the session's saved scene is the authority and the fallback.
import { SCENE_CACHE_SERVICE, type SceneCache } from '../../runtime/index.js';
import type { ActorContext } from '../define-actor.js';
import type { Scene } from './scene.js';
import type { TurnInput } from './turn.js';

/** The node's scene cache, or null when it runs without one. */
export function sceneCacheOf(ctx: ActorContext<unknown>): SceneCache | null {
  try {
    return ctx.service<SceneCache>(SCENE_CACHE_SERVICE);
  } catch {
    return null;
  }
}

/** After a commit: the scene as of `turn`, for the next turn's runner. Best effort, not awaited. */
export function rememberScene(ctx: ActorContext<unknown>, turn: number, scene: Scene): void {
  sceneCacheOf(ctx)
    ?.set(ctx.self.id, { turn, summary: scene.summary, momentum: scene.momentum })
    .catch(() => undefined);
}

/**
 * After any override. Not awaited: the cache's commands go out in order on one connection per
 * worker, so a later `set` by this session cannot be overtaken by this invalidation.
 */
export function forgetScene(ctx: ActorContext<unknown>): void {
  sceneCacheOf(ctx)
    ?.invalidate(ctx.self.id)
    .catch(() => undefined);
}

/** Where a turn's scene comes from: the cache when it holds the scene of `input.sceneTurn`, else the input's. */
export async function sceneForTurn(cache: SceneCache | undefined, input: TurnInput): Promise<Scene> {
  if (cache === undefined || input.sceneTurn === undefined) return input.scene;
  let hit;
  try {
    hit = await cache.get(input.session);
  } catch {
    return input.scene;
  }
  if (hit === null || hit.turn !== input.sceneTurn) return input.scene;
  return { summary: hit.summary, momentum: hit.momentum };
}

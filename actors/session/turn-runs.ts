// The detached run of a session's turn (Akka's pipeToSelf): the handler that starts a turn returns
// at once; the run's events and its outcome come back to the session as messages to itself, so the
// mailbox stays free (a moderator's pause overtakes a slow narration) and everything a member sees
// leaves the actor from a handler, in the session's seq order.
import type { ActorContext } from '../define-actor.js';
import { SessionErrors } from '../actor-errors.js';
import type { NarrationChunk } from './session-events.js';
import type { NarrationEvent } from './narrator.js';
import type { TurnInput, TurnOutcome, TurnRunner } from './turn.js';

/** The node service a session's turns run on (NodeOptions.services.turns). */
export const TURN_SERVICE = 'turns';

/**
 * Events (chunks and degraded notices) one run streams to members; past it, chunks are no longer
 * streamed (the whole narration still comes with `turn-committed`). Also the step by which a
 * session's seq moves forward when it comes back with a turn unfinished: seqs given to the chunks
 * of a run that died were never saved, and its resumed run must not reuse them.
 */
export const MAX_TURN_EVENTS = 1_000;

/** One running turn, kept outside the state (never saved): its abort switch and its chunk log. */
export interface TurnRun {
  readonly id: number;
  readonly turn: number;
  readonly controller: AbortController;
  /** The narration attempt: 0, then +1 at each degraded restart. */
  part: number;
  /** Index of the next chunk of this part. */
  next: number;
  /** Events streamed so far (bounded by MAX_TURN_EVENTS). */
  events: number;
  /** The current part's chunks, for late joiners and resumes. */
  readonly chunks: NarrationChunk[];
}

/** What a run tells its session. `run` is the TurnRun id: a message of an earlier run is ignored. */
export type TurnRunMessage =
  | { type: 'turn-event'; run: number; event: NarrationEvent }
  | { type: 'turn-finished'; run: number; outcome: TurnOutcome };

// One cell per session per worker: the runs of this worker's sessions, by session id.
const runs = new Map<string, TurnRun>();
let lastRunId = 0;

/** The session's current run, if any. */
export function currentRun(session: string): TurnRun | undefined {
  return runs.get(session);
}

/**
 * Aborts and forgets the session's run (passivation, restart, a newer run taking over, or a
 * moderator's pre-emption: `reason` a TurnCancelledError, on which the runner drops the turn's checkpoints).
 */
export function abortRun(session: string, reason?: unknown): void {
  const run = runs.get(session);
  if (run === undefined) return;
  runs.delete(session);
  run.controller.abort(reason);
}

/** Forgets a run that finished (its outcome was committed). */
export function endRun(session: string, id: number): void {
  if (runs.get(session)?.id === id) runs.delete(session);
}

/**
 * Starts a turn detached. Never two runs of one session: an earlier one is aborted first. Once
 * aborted, a run sends nothing more (a passivated cell is not woken by its own stale run).
 */
export function startRun(ctx: ActorContext<unknown>, runner: TurnRunner, input: TurnInput, resume: boolean): TurnRun {
  const session = ctx.self.id;
  abortRun(session);
  const run: TurnRun = { id: ++lastRunId, turn: input.turn, controller: new AbortController(), part: 0, next: 0, events: 0, chunks: [] };
  runs.set(session, run);
  const self = ctx.self;
  const signal = run.controller.signal;
  const tell = (msg: TurnRunMessage): void => {
    if (!signal.aborted) ctx.tell(self, msg);
  };
  let promise: Promise<TurnOutcome>;
  try {
    promise = runner.run(input, {
      signal,
      resume,
      onEvent: (event) => {
        if (event.type === 'chunk' || event.type === 'degraded') tell({ type: 'turn-event', run: run.id, event });
      },
    });
  } catch (err) {
    promise = Promise.reject(err);
  }
  promise.then(
    (outcome) => tell({ type: 'turn-finished', run: run.id, outcome }),
    (err: unknown) => tell({ type: 'turn-finished', run: run.id, outcome: failedOutcome(err) }),
  );
  return run;
}

function failedOutcome(err: unknown): TurnOutcome {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : SessionErrors.TURN_FAILED;
  // A runner's own message may say more than players should see: only typed ones are passed on.
  const message = code === SessionErrors.TURN_FAILED ? 'the turn could not be narrated' : String((err as Error).message ?? code);
  return { status: 'failed', code, message, checks: [], usage: [] };
}

// The LangGraph turn graph: intake → rules → narrate → safety → commit, checkpointed per session so
// that a turn cut by a dead worker resumes where it stopped. The session actor runs it (one turn at
// a time) and saves the outcome with its state.
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { ErrorCodes, GlassError, positiveIntegerOption, type SceneCache } from '../../runtime/index.js';
import { ModerationErrors, RoomErrors } from '../actor-errors.js';
import { NarrationErrors, type NarrationEvent, type NarrationRequest, type NarrationResult, type Narrator } from './narrator.js';
import { RulesErrors, type CheckResult, type RulesRunner } from './rules.js';
import type { SafetyCheck } from './safety.js';
import { SafetyErrors } from './safety.js';
import { nextScene } from './scene-update.js';
import { sceneForTurn } from './scene-cache-use.js';
import { MAX_TURN_LENGTH } from './turn-limits.js';
import { isTurnCancelled } from './turn-preemption.js';
import { TurnErrors, type RunTurnOptions, type TurnEvent, type TurnInput, type TurnOutcome, type TurnRunner } from './turn.js';

export interface TurnGraphServices {
  narrator: Narrator;
  rules: RulesRunner;
  safety: SafetyCheck;
  checkpointer: BaseCheckpointSaver;
  /** The node's scene cache (runtime/scene-cache.ts): where a new turn's scene is read first. */
  sceneCache?: SceneCache;
  /** How long the rules step may take; past it the turn fails with RulesErrors.TIMEOUT. Default 2,000. */
  rulesTimeoutMs?: number;
}

export const DEFAULT_RULES_TIMEOUT_MS = 2_000;

type Step = 'intake' | 'rules' | 'narrate' | 'safety' | 'commit';

/** The graph's state: JSON only (it is checkpointed). The run's callbacks travel in `configurable`. */
const TurnState = Annotation.Root({
  input: Annotation<TurnInput>(),
  checks: Annotation<CheckResult[]>(),
  narration: Annotation<NarrationResult | null>(),
  outcome: Annotation<TurnOutcome | null>(),
});
type State = typeof TurnState.State;
type Update = Partial<State>;

/** What one run hands its steps; never checkpointed (LangGraph copies only a fixed list of configurable keys into metadata). */
interface RunContext {
  signal: AbortSignal;
  onEvent(event: TurnEvent): void;
}
const RUN_KEY = 'glass_turn_run';

const tracer = trace.getTracer('glass-runtime');
const compiled = new WeakMap<TurnGraphServices, TurnRunner>();

/**
 * The runner of a worker's turns. Compiled once per services object (a second call with the same
 * object returns the same runner). One LangGraph thread per session (thread_id = the session id);
 * the turn number is in the graph's state, so a resume carries on only the turn it was cut in.
 */
export function createTurnGraph(services: TurnGraphServices): TurnRunner {
  const existing = compiled.get(services);
  if (existing !== undefined) return existing;
  const rulesTimeoutMs = positiveIntegerOption('rulesTimeoutMs', services.rulesTimeoutMs ?? DEFAULT_RULES_TIMEOUT_MS);
  const { narrator, rules, safety, checkpointer } = services;

  const step = (name: Step, fn: (state: State, ctx: RunContext, signal: AbortSignal) => Promise<Update> | Update) =>
    async (state: State, config: LangGraphRunnableConfig): Promise<Update> => {
      const ctx = config.configurable?.[RUN_KEY] as RunContext;
      const attributes = { 'glass.session': state.input.session, 'glass.turn': state.input.turn };
      return tracer.startActiveSpan(`turn.${name}`, { attributes }, async (span) => {
        try {
          ctx.onEvent({ type: 'step', step: name });
          return await fn(state, ctx, config.signal ?? ctx.signal);
        } catch (err) {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      });
    };

  const intake = step('intake', (state) => {
    const refusal = intakeRefusal(state.input);
    return refusal === undefined ? {} : { outcome: failed(refusal.code, refusal.message, state) };
  });

  const rulesStep = step('rules', async (state, ctx, signal) => {
    const { input } = state;
    try {
      const checks = await checkWithin(rules, rulesTimeoutMs, signal, {
        session: input.session,
        turn: input.turn,
        player: input.player,
        text: input.text,
        modifiers: input.modifiers,
        momentum: input.scene.momentum,
      });
      ctx.onEvent({ type: 'checks', checks });
      return { checks };
    } catch (err) {
      if (signal.aborted) throw err;
      const code = err instanceof GlassError && (err.code === RulesErrors.TIMEOUT || err.code === RulesErrors.FAILED) ? err.code : RulesErrors.FAILED;
      return { outcome: failed(code, `the rules could not run: ${messageOf(err)}`, state) };
    }
  });

  const narrate = step('narrate', async (state, ctx, signal) => {
    const { input } = state;
    const request: NarrationRequest = { session: input.session, turn: input.turn, scene: input.scene, player: input.player, text: input.text, checks: state.checks, recent: input.recent };
    // Safety while it streams: a chunk reaches the players only if the narration so far passes the
    // registry; the first that does not stops the narrator, and the turn fails like the safety step.
    const inner = new AbortController();
    const stop = () => inner.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    let sofar = '';
    let refused: { category: string } | null = null;
    const onEvent = (event: NarrationEvent) => {
      if (refused !== null) return;
      if (event.type === 'degraded' && event.restart) sofar = '';
      if (event.type === 'chunk') {
        const verdict = safety.check(sofar + event.text);
        if (!verdict.ok) {
          refused = { category: verdict.category };
          inner.abort(new GlassError(SafetyErrors.REFUSED, 'the narration was refused'));
          return;
        }
        sofar += event.text;
      }
      ctx.onEvent(event);
    };
    try {
      const narration = await narrator.narrate(request, { signal: inner.signal, onEvent });
      if (refused === null) return { narration };
    } catch (err) {
      // An abort stops the run here: the checkpoint after `rules` stays, for a resume.
      if (signal.aborted) throw err;
      if (refused === null) return { outcome: failed(NarrationErrors.UNAVAILABLE, `no narration: ${messageOf(err)}`, state) };
    } finally {
      signal.removeEventListener('abort', stop);
    }
    const category = (refused as { category: string }).category;
    return { outcome: { ...failed(SafetyErrors.REFUSED, `the narration was refused (${category})`, state), category } };
  });

  const safetyStep = step('safety', (state) => {
    const narration = state.narration!;
    const verdict = safety.check(narration.text);
    if (verdict.ok) return {};
    const outcome = failed(SafetyErrors.REFUSED, `the narration was refused (${verdict.category})`, state, narration);
    // The refused text leaves the state too: it is never sent, nor kept in the checkpoint.
    return { narration: null, outcome: { ...outcome, category: verdict.category } };
  });

  const commit = step('commit', (state) => {
    const narration = state.narration!;
    const outcome: TurnOutcome = {
      status: 'committed',
      narration: narration.text,
      checks: state.checks,
      scene: nextScene(state.input.scene, narration.text, state.checks),
      provider: narration.provider,
      usage: narration.usage,
    };
    if (narration.degraded !== undefined) outcome.degraded = narration.degraded;
    return { outcome };
  });

  const unlessDone = (next: Step) => (state: State) => (state.outcome != null ? END : next);
  const graph = new StateGraph(TurnState)
    .addNode('intake', intake)
    .addNode('rules', rulesStep)
    .addNode('narrate', narrate)
    .addNode('safety', safetyStep)
    .addNode('commit', commit)
    .addEdge(START, 'intake')
    .addConditionalEdges('intake', unlessDone('rules'), ['rules', END])
    .addConditionalEdges('rules', unlessDone('narrate'), ['narrate', END])
    .addConditionalEdges('narrate', unlessDone('safety'), ['safety', END])
    .addConditionalEdges('safety', unlessDone('commit'), ['commit', END])
    .addEdge('commit', END)
    .compile({ checkpointer });

  // The session's run in this runner: an aborted one is waited for (its thread cleared) before the next starts.
  const running = new Map<string, { signal: AbortSignal; settled: Promise<unknown> }>();

  async function runTurn(input: TurnInput, options: RunTurnOptions): Promise<TurnOutcome> {
    const ctx: RunContext = { signal: options.signal, onEvent: options.onEvent };
    // `sync`: each step's checkpoint is saved before the next step starts, so a resume never redoes a finished step.
    const config = { configurable: { thread_id: input.session, [RUN_KEY]: ctx }, signal: options.signal, durability: 'sync' as const };
    let start: State | null = { input: { ...input, scene: await sceneForTurn(services.sceneCache, input) }, checks: [], narration: null, outcome: null };
    if (options.resume === true) {
      const snapshot = await graph.getState({ configurable: { thread_id: input.session } });
      const saved = snapshot.values as Partial<State>;
      if (sameTurn(saved.input, input)) {
        // Finished before the worker died (its outcome not yet saved by the actor): the same outcome again.
        if (saved.outcome != null) return saved.outcome;
        if (snapshot.next.length > 0) start = null;
      }
    }
    // A new turn (or a resume of another one) starts on an empty thread: the previous turn's
    // checkpoints go, which keeps the thread bounded and leaves no pending step to run.
    if (start !== null) await checkpointer.deleteThread(input.session);
    options.signal.throwIfAborted();
    try {
      const final = (await graph.invoke(start, config)) as State;
      if (final.outcome == null) throw new GlassError(ErrorCodes.ACTOR_FAILED, `turn ${input.turn} of session ${input.session} ended without an outcome`);
      return final.outcome;
    } catch (err) {
      if (!options.signal.aborted) throw err;
      // A moderator's pre-emption: the half turn leaves the thread too, so neither the next turn nor
      // a resume after a crash can see it. (Other aborts — passivation, a dying worker — keep it for a resume.)
      if (isTurnCancelled(options.signal.reason)) await checkpointer.deleteThread(input.session);
      throw options.signal.reason;
    }
  }

  const runner: TurnRunner = {
    async run(input, options) {
      checkInput(input);
      for (let previous = running.get(input.session); previous !== undefined; previous = running.get(input.session)) {
        if (!previous.signal.aborted) throw new GlassError(TurnErrors.BUSY, `a turn of session ${input.session} is already running`, { session: input.session });
        await previous.settled;
      }
      const settled = runTurn(input, options);
      // Forgotten as soon as it settles (before anyone awaiting `settled` resumes), so the loop above never spins.
      const forget = (): void => {
        if (running.get(input.session) === entry) running.delete(input.session);
      };
      const entry = { signal: options.signal, settled: settled.then(forget, forget) };
      running.set(input.session, entry);
      return settled;
    },
  };
  compiled.set(services, runner);
  return runner;
}

function intakeRefusal(input: TurnInput): { code: string; message: string } | undefined {
  const m = input.moderation;
  if (m.paused) return { code: ModerationErrors.PAUSED, message: `session ${input.session} is paused by a moderator` };
  if (m.muted) return { code: ModerationErrors.MUTED, message: `${input.player} is muted in session ${input.session}` };
  if (!m.member) {
    return m.locked
      ? { code: ModerationErrors.LOCKED, message: `session ${input.session} is locked: only its members may take turns` }
      : { code: RoomErrors.NOT_MEMBER, message: `${input.player} is not a member of session ${input.session}` };
  }
  if (typeof input.text !== 'string' || input.text.length === 0 || input.text.length > MAX_TURN_LENGTH) {
    return { code: RoomErrors.TEXT_TOO_LONG, message: `a turn is 1 to ${MAX_TURN_LENGTH} characters` };
  }
  return undefined;
}

function failed(code: string, message: string, state: State, narration?: NarrationResult): TurnOutcome {
  return { status: 'failed', code, message, checks: state.checks ?? [], usage: narration?.usage ?? state.narration?.usage ?? [] };
}

/** The rules' checks, or a rejection: the runner's own, or RulesErrors.TIMEOUT here if it does not keep its timeout. */
async function checkWithin(rules: RulesRunner, timeoutMs: number, signal: AbortSignal, request: Parameters<RulesRunner['check']>[0]): Promise<CheckResult[]> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new GlassError(RulesErrors.TIMEOUT, `the rules took longer than ${timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([rules.check(request, { signal: controller.signal, timeoutMs }), timeout]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function sameTurn(saved: TurnInput | undefined, input: TurnInput): boolean {
  return saved !== undefined && saved.session === input.session && saved.turn === input.turn && saved.player === input.player && saved.text === input.text;
}

function checkInput(input: TurnInput): void {
  if (input === null || typeof input !== 'object' || typeof input.session !== 'string' || input.session === '' || !Number.isSafeInteger(input.turn) || input.turn < 1) {
    throw new GlassError(ErrorCodes.INVALID_MESSAGE, 'a turn needs a session id and a turn number of at least 1');
  }
  if (input.moderation === null || typeof input.moderation !== 'object' || input.scene === null || typeof input.scene !== 'object') {
    throw new GlassError(ErrorCodes.INVALID_MESSAGE, `turn ${input.turn} of session ${input.session}: moderation and scene are required`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { GATEWAY_KIND, GlassError } from '../../runtime/index.js';
import { defineActor, type ActorContext } from '../define-actor.js';
import { ModerationErrors, RoomErrors, RulesErrors, SessionErrors } from '../actor-errors.js';
import { GM_SPEAKER, type ModerateMessage } from '../override-command.js';
import type { RecentTurn } from './narrator.js';
import { EMPTY_SCENE } from './scene.js';
import type { NarrationChunk, RunningTurnView, SessionAccess, SessionEvent, SessionModeratedEvent, SessionResumeReply } from './session-events.js';
import { broadcast, createFor, invite, presenceEvent, refuseJoin } from './session-members.js';
import type { TurnInput, TurnOutcome, TurnRunner } from './turn.js';
import { MAX_TURN_LENGTH } from './turn-limits.js';
import { SESSION_JOIN_TRANSCRIPT, SESSION_SPILL, SESSION_TRANSCRIPT_LIMIT, SESSION_TURN_QUEUE_LIMIT, type QueuedTurn, type RunningTurn, type SessionState, type Turn } from './session-state.js';
import { afterAppend, archiveHandlers, redactArchived, refuseWhenBehind, resumeArchive } from '../archive-spill.js';
import { abortRun, currentRun, endRun, MAX_TURN_EVENTS, startRun, TURN_SERVICE, type TurnRunMessage } from './turn-runs.js';
import { requestWorkflow, resumeWorkflows, workflowHandlers } from '../workflow-starts.js';
import { applyLateChecks, lateChecksSince } from './late-checks.js';
import { checkRunnerStart, consolidationStart } from './session-workflows.js';
import { afterCommit, budgetedRunner, checkedWorld, holdsTurn, onBudgetStatus, refuseOverBudget, releaseHeld } from './budget-gate.js';
import { cancelledSince, preemptRunningTurn } from './turn-preemption.js';
import { forgetScene, rememberScene } from './scene-cache-use.js';

/** Earlier turns a runner is shown. */
const RECENT_TURNS = 5;

type Ctx = ActorContext<SessionState>;

/**
 * A narrative session: members take turns, one at a time. A turn is queued and acknowledged at
 * once; its run (the TurnRunner node service) is started detached and streams its narration to
 * the members; its outcome is committed by the session (`turn-finished`), saved, and the next
 * queued turn starts.
 */
export const session = defineActor({
  kind: 'session',
  // Joins, accepted turns and commits are saved before anyone hears of them: narrative is never lost to a crash.
  persistence: { save: 'every-message' },
  // turn-event moves `seq` and the in-memory chunk log without a save: chunks are not saved one by one
  // (a session that comes back moves its seq past any a lost run could have used: see onActivate).
  readOnly: ['transcript', 'members', 'wake', 'turn-event', 'workflow-release', 'history'],
  initialState: (): SessionState => ({ turn: 0, transcript: [], members: {}, seq: 0, queue: [] }),
  onActivate(ctx) {
    const state = upgrade(ctx.state);
    resumeWorkflows(ctx);
    resumeArchive(ctx, state.transcript, SESSION_SPILL);
    abortRun(ctx.self.id);
    const running = state.running;
    if (running === undefined) return;
    // The run that died may have sent chunks numbered past the saved seq.
    state.seq = Math.max(state.seq, running.seq + MAX_TURN_EVENTS);
    startRun(ctx as ActorContext<unknown>, runnerOf(ctx), inputOf(ctx, running), true);
  },
  onPassivate(ctx) {
    abortRun(ctx.self.id);
  },
  handlers: {
    // checkRunner's result: the late checks of a turn failed by GLASS_ERR_RULES_TIMEOUT.
    ...workflowHandlers<SessionState>(applyLateChecks),
    /**
     * `access` is set by the join that creates the session (later joins' are ignored). `cannotCreate`:
     * why this join may not create it (the gateway's creation policy). A refused join registers nothing.
     */
    'join-session'(ctx, msg: { player: string; node: string; moderator?: boolean; maxMembers?: number; cannotCreate?: string; access?: SessionAccess; world?: string }) {
      refuseJoin(ctx, msg.player, msg);
      const world = checkedWorld(msg.world);
      const state = ctx.state;
      const created = createFor(state, msg.player, msg.access === 'invite' ? 'invite' : 'open');
      if (created && world !== undefined) state.world = world;
      const rejoin = Object.hasOwn(state.members, msg.player);
      state.members[msg.player] = msg.node;
      if (!rejoin) broadcast(ctx, presenceEvent(ctx, { joined: msg.player }));
      return { ...view(ctx), created };
    },

    invite(ctx, msg: { player: string; invitee: string; moderator?: boolean }) {
      return { invited: invite(ctx, msg.player, msg.invitee, msg.moderator) };
    },

    /** A leave from a node that no longer holds the player (it resumed elsewhere) is ignored. */
    'leave-session'(ctx, msg: { player: string; node?: string }) {
      const state = ctx.state;
      if (!Object.hasOwn(state.members, msg.player)) return { left: false };
      const node = state.members[msg.player];
      if (msg.node !== undefined && msg.node !== node) return { left: false };
      delete state.members[msg.player];
      broadcast(ctx, presenceEvent(ctx, { left: msg.player }), node);
      return { left: true };
    },

    /**
     * A player's connection on `node` takes over its membership and asks for the events after
     * `after`: the committed turns and the running turn's chunks, in seq order — or a resync.
     */
    resume(ctx, msg: { player: string; node: string; after: number; maxMembers?: number; moderator?: boolean }): SessionResumeReply {
      refuseJoin(ctx, msg.player, { moderator: msg.moderator, maxMembers: msg.maxMembers, cannotCreate: 'a resume creates nothing' });
      const state = ctx.state;
      const wasMember = Object.hasOwn(state.members, msg.player);
      state.members[msg.player] = msg.node;
      if (!wasMember) broadcast(ctx, presenceEvent(ctx, { joined: msg.player }));
      const access = state.access ?? 'open';
      const resync = (reason: 'window' | 'gap' | 'unknown'): SessionResumeReply => ({ resync: reason, ...view(ctx), access });
      if (!wasMember) return resync('window');
      const after = msg.after;
      if (!Number.isInteger(after) || after < 0 || after > state.seq) return resync('unknown');
      const t = state.transcript;
      if (t.length >= SESSION_TRANSCRIPT_LIMIT && (t[0].seq ?? 0) > after + 1) return resync('gap');
      return { resync: null, members: Object.keys(state.members), events: missed(ctx, after), seq: state.seq, access };
    },

    /** Only members take turns. Queued in arrival order; answered at once with its number and place. */
    turn(ctx, msg: { player: string; text: string; cannotCreate?: string }) {
      const state = ctx.state;
      if (!Object.hasOwn(state.members, msg.player)) throw new GlassError(RoomErrors.NOT_MEMBER, `${msg.player} is not in session ${ctx.self.id}`);
      if (typeof msg.text !== 'string' || msg.text.length === 0 || msg.text.length > MAX_TURN_LENGTH) {
        throw new GlassError(RoomErrors.TEXT_TOO_LONG, `a turn is 1 to ${MAX_TURN_LENGTH} characters`);
      }
      const moderation = state.moderation;
      if (moderation !== undefined) {
        if (moderation.paused) throw new GlassError(ModerationErrors.PAUSED, `session ${ctx.self.id} is paused by a moderator`);
        if (Object.hasOwn(moderation.muted, msg.player)) throw new GlassError(ModerationErrors.MUTED, `${msg.player} is muted in session ${ctx.self.id}`);
      }
      refuseOverBudget(ctx);
      // No runner on this node: refused (GLASS_ERR_UNKNOWN_SERVICE), nothing queued.
      ctx.service<TurnRunner>(TURN_SERVICE);
      refuseWhenBehind(ctx, state.transcript, SESSION_SPILL);
      if (state.queue.length >= SESSION_TURN_QUEUE_LIMIT) {
        throw new GlassError(SessionErrors.TURN_QUEUE_FULL, `session ${ctx.self.id} already has ${SESSION_TURN_QUEUE_LIMIT} turns waiting`);
      }
      const queued: QueuedTurn = { turn: ++state.turn, player: msg.player, text: msg.text, at: ctx.now() };
      state.queue.push(queued);
      const position = state.running === undefined && state.moderation?.paused !== true ? 0 : state.queue.length;
      startNext(ctx);
      return { turn: queued.turn, position, created: false };
    },

    /** From the detached run: a chunk or a degraded notice, numbered and sent to members. */
    'turn-event'(ctx, msg: Extract<TurnRunMessage, { type: 'turn-event' }>) {
      const run = currentRun(ctx.self.id);
      const state = ctx.state;
      if (run === undefined || run.id !== msg.run || state.running === undefined || run.events >= MAX_TURN_EVENTS) return {};
      run.events++;
      const event = msg.event;
      const session = ctx.self.id;
      const turn = run.turn;
      if (event.type === 'chunk') {
        const chunk: NarrationChunk = { seq: ++state.seq, part: run.part, index: run.next++, text: event.text };
        run.chunks.push(chunk);
        broadcast(ctx, { type: 'narration', session, seq: chunk.seq, turn, part: chunk.part, index: chunk.index, text: chunk.text });
      } else {
        if (event.restart) {
          // The narration so far is void: the next part starts over at index 0.
          run.part++;
          run.next = 0;
          run.chunks.length = 0;
        }
        broadcast(ctx, { type: 'narration-degraded', session, seq: ++state.seq, turn, part: run.part, from: event.from, to: event.to, reason: event.reason, restart: event.restart });
      }
      return {};
    },

    /** From the detached run: its outcome, committed once (saved with the state), then the next turn starts. */
    'turn-finished'(ctx, msg: Extract<TurnRunMessage, { type: 'turn-finished' }>) {
      const run = currentRun(ctx.self.id);
      const state = ctx.state;
      const r = state.running;
      if (run === undefined || run.id !== msg.run || r === undefined || r.turn !== run.turn) return { committed: false };
      endRun(ctx.self.id, run.id);
      if (holdsTurn(ctx, r.turn, msg.outcome)) return { committed: false };
      state.running = undefined;
      commit(ctx, r, msg.outcome);
      afterCommit(ctx, msg.outcome);
      startNext(ctx);
      return { committed: true };
    },

    /** From the budget gate of a run: the world's budget as its actor answered (docs/BUDGETS.md). */
    'budget-status'(ctx, msg: { status: unknown }) {
      onBudgetStatus(ctx, msg);
      return {};
    },

    transcript(ctx, msg: { since?: number }) {
      const since = msg.since ?? 0;
      return { turn: ctx.state.turn, turns: ctx.state.transcript.filter((t) => t.turn > since) };
    },

    members(ctx, _msg: {}) {
      return { members: Object.keys(ctx.state.members), access: ctx.state.access ?? 'open' };
    },

    // history (a page of the transcript's hot part) and archive-done: actors/archive-spill.ts.
    ...archiveHandlers((state: SessionState) => state.transcript, SESSION_SPILL),

    /** Any message activates a session: a gateway sends this after a worker died, so an unfinished turn resumes. */
    wake(ctx, _msg: {}) {
      return { running: ctx.state.running?.turn ?? null };
    },

    /**
     * A moderator's override, from the session's override actor on the system lane (it overtakes
     * queued turns and the running turn's events). Applied, saved, broadcast to members as
     * `session-moderated`, and acknowledged to the waiting gateway (`replyTo`).
     */
    moderate(ctx, msg: ModerateMessage) {
      const state = ctx.state;
      const m = (state.moderation ??= { muted: {}, paused: false });
      const c = msg.command;
      // A narrate answers a turn held for a human GM (budget policy `wait`) instead of cancelling it;
      // a pause or redact cancels a held turn as it cancels a running one.
      const held = c.command === 'narrate' ? releaseHeld(ctx) : undefined;
      const cancelled = held === undefined ? preemptRunningTurn(ctx, c.command, msg.audit) : undefined;
      if (cancelled !== undefined && state.budget?.held === cancelled.turn) delete state.budget.held;
      forgetScene(ctx as ActorContext<unknown>);
      const event: SessionModeratedEvent = { type: 'session-moderated', session: ctx.self.id, seq: 0, command: c.command, audit: msg.audit };
      if (c.reason !== undefined) event.reason = c.reason;
      switch (c.command) {
        case 'mute':
          m.muted[c.player!] = msg.audit.id;
          event.player = c.player;
          break;
        case 'unmute':
          delete m.muted[c.player!];
          event.player = c.player;
          break;
        case 'pause':
        case 'resume':
          // A pause stops the running turn (above) and holds the queue; resume starts it again.
          m.paused = c.command === 'pause';
          break;
        case 'redact': {
          event.turn = c.seq;
          const i = state.transcript.findIndex((t) => t.turn === c.seq);
          // Replaced, not edited: the old object may still be on its way in a reply's batch.
          if (i >= 0) state.transcript[i] = Object.freeze({ ...state.transcript[i], text: '', redacted: true as const });
          else redactArchived(ctx, c.seq!, state.transcript, SESSION_SPILL);
          break;
        }
        case 'narrate': {
          // A turn held for a human GM (budget policy `wait`) is answered by this narration.
          if (held !== undefined) {
            commit(ctx, held, { status: 'committed', narration: c.text!, checks: [], scene: state.scene ?? EMPTY_SCENE, provider: GM_SPEAKER, usage: [] });
            event.turn = held.turn;
            event.text = c.text;
            break;
          }
          event.seq = ++state.seq;
          const turn = append(ctx, Object.freeze({ turn: ++state.turn, player: GM_SPEAKER, text: c.text!, at: ctx.now(), seq: event.seq, narration: true as const, audit: msg.audit }));
          event.turn = turn.turn;
          event.text = c.text;
          break;
        }
        default:
          // note (kept by the override actor and the audit log); kick and lock never reach a session.
          event.text = c.text;
          break;
      }
      if (event.seq === 0) event.seq = ++state.seq;
      broadcast(ctx, event);
      ctx.tell({ kind: GATEWAY_KIND, id: msg.replyTo }, { type: 'override-applied', target: { kind: 'session', id: ctx.self.id }, audit: msg.audit });
      // After a redact or a narrate that cancelled the running turn, or a narrate that answered a held
      // one, the queue goes on (a pause holds it).
      if (c.command === 'resume' || c.command === 'narrate' || cancelled !== undefined) startNext(ctx);
      return { audit: msg.audit.id };
    },
  },
});

/** Sessions saved before members existed lack these fields. */
function upgrade(state: SessionState): SessionState {
  state.members ??= {};
  state.seq ??= 0;
  state.queue ??= [];
  return state;
}

function runnerOf(ctx: Ctx): TurnRunner {
  try {
    return budgetedRunner(ctx, ctx.service<TurnRunner>(TURN_SERVICE));
  } catch (err) {
    // The node lost its runner (started without one): the turn fails, typed, instead of the activation.
    return { run: () => Promise.reject(err) };
  }
}

function inputOf(ctx: Ctx, t: QueuedTurn): TurnInput {
  const state = ctx.state;
  const recent: RecentTurn[] = [];
  for (let i = state.transcript.length - 1; i >= 0 && recent.length < RECENT_TURNS; i--) {
    const e = state.transcript[i];
    if (e.failed !== undefined) continue;
    recent.unshift(e.narrated === undefined ? { player: e.player, text: e.text } : { player: e.player, text: e.text, narration: e.narrated });
  }
  const muted = state.moderation !== undefined && Object.hasOwn(state.moderation.muted, t.player);
  return {
    session: ctx.self.id,
    turn: t.turn,
    player: t.player,
    text: t.text,
    scene: state.scene ?? EMPTY_SCENE,
    ...(state.scene === undefined ? { sceneTurn: 0 } : state.sceneTurn === undefined ? {} : { sceneTurn: state.sceneTurn }),
    recent,
    modifiers: {},
    moderation: { paused: state.moderation?.paused === true, muted, locked: false, member: Object.hasOwn(state.members, t.player) },
  };
}

/** Starts the first queued turn, unless one runs or a moderator paused the session. */
function startNext(ctx: Ctx): void {
  const state = ctx.state;
  if (state.running !== undefined || state.moderation?.paused === true) return;
  const next = state.queue.shift();
  if (next === undefined) return;
  const running: RunningTurn = { ...next, seq: ++state.seq };
  state.running = running;
  broadcast(ctx, { type: 'turn-started', session: ctx.self.id, seq: running.seq, turn: running.turn, player: running.player, text: running.text });
  startRun(ctx as ActorContext<unknown>, runnerOf(ctx), inputOf(ctx, running), false);
}

function commit(ctx: Ctx, r: RunningTurn, outcome: TurnOutcome): void {
  const state = ctx.state;
  const seq = ++state.seq;
  const session = ctx.self.id;
  // The turn's latency as players live it: from its acceptance (queue wait included) to its commit.
  const ms = Math.max(0, ctx.now() - r.at);
  if (outcome.status === 'committed') {
    append(ctx, Object.freeze({ turn: r.turn, player: r.player, text: r.text, at: r.at, seq, narrated: outcome.narration, checks: outcome.checks, provider: outcome.provider }));
    state.scene = outcome.scene;
    requestWorkflow(ctx, consolidationStart(session, r, outcome.narration, outcome.scene, ctx.now(), state.world));
    state.sceneTurn = r.turn;
    rememberScene(ctx as ActorContext<unknown>, r.turn, outcome.scene);
    const event: SessionEvent = { type: 'turn-committed', session, seq, turn: r.turn, player: r.player, narration: outcome.narration, checks: outcome.checks, provider: outcome.provider, ms };
    if (outcome.degraded !== undefined) event.degraded = outcome.degraded;
    broadcast(ctx, event);
  } else {
    const failed = { code: String(outcome.code), message: String(outcome.message) };
    append(ctx, Object.freeze({ turn: r.turn, player: r.player, text: r.text, at: r.at, seq, failed }));
    if (failed.code === RulesErrors.TIMEOUT) requestWorkflow(ctx, checkRunnerStart(session, r, state.scene?.momentum ?? 0, ctx.now()));
    broadcast(ctx, { type: 'turn-failed', session, seq, turn: r.turn, player: r.player, ...failed, ms });
  }
  const usage = (state.usage ??= {});
  for (const u of outcome.usage) {
    // Bounded by the providers a node is configured with.
    const key = `${u.provider}:${u.model}`;
    const total = (usage[key] ??= { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });
    total.calls++;
    total.inputTokens += u.inputTokens;
    total.outputTokens += u.outputTokens;
    total.costUsd += u.costUsd;
  }
}

function append(ctx: Ctx, turn: Turn): Turn {
  // Frozen: never edited in place (a redaction replaces it), so stores reuse its JSON (runtime/state-json.ts).
  ctx.state.transcript.push(turn);
  afterAppend(ctx, ctx.state.transcript, SESSION_SPILL);
  return turn;
}

/** The running turn as a joiner sees it. */
function runningView(ctx: Ctx): RunningTurnView | undefined {
  const r = ctx.state.running;
  if (r === undefined) return undefined;
  const run = currentRun(ctx.self.id);
  return { turn: r.turn, player: r.player, text: r.text, seq: r.seq, chunks: run === undefined || run.turn !== r.turn ? [] : run.chunks.slice() };
}

/** What a join (or resync) answers: members, seq, recent transcript, the running turn, access. */
function view(ctx: Ctx): { members: string[]; seq: number; transcript: Turn[]; running?: RunningTurnView; access: SessionAccess } {
  const state = ctx.state;
  const running = runningView(ctx);
  const base = { members: Object.keys(state.members), seq: state.seq, transcript: state.transcript.slice(-SESSION_JOIN_TRANSCRIPT), access: state.access ?? 'open' };
  return running === undefined ? base : { ...base, running };
}

/** The events after `after` a resuming member missed, in seq order (presence is in the reply's members). */
function missed(ctx: Ctx, after: number): SessionEvent[] {
  const session = ctx.self.id;
  const events: SessionEvent[] = [];
  for (const t of ctx.state.transcript) {
    if (t.seq === undefined || t.seq <= after) continue;
    if (t.narration === true) {
      events.push({ type: 'session-moderated', session, seq: t.seq, command: 'narrate', audit: t.audit!, turn: t.turn, text: t.text });
    } else if (t.failed !== undefined) {
      events.push({ type: 'turn-failed', session, seq: t.seq, turn: t.turn, player: t.player, code: t.failed.code, message: t.failed.message });
    } else {
      events.push({ type: 'turn-committed', session, seq: t.seq, turn: t.turn, player: t.player, narration: t.narrated ?? '', checks: t.checks ?? [], provider: t.provider ?? '' });
    }
  }
  events.push(...cancelledSince(session, ctx.state.cancelled, after));
  events.push(...lateChecksSince(session, ctx.state.transcript, after));
  const r = ctx.state.running;
  if (r !== undefined) {
    if (r.seq > after) events.push({ type: 'turn-started', session, seq: r.seq, turn: r.turn, player: r.player, text: r.text });
    const running = runningView(ctx)!;
    for (const c of running.chunks) if (c.seq > after) events.push({ type: 'narration', session, seq: c.seq, turn: r.turn, part: c.part, index: c.index, text: c.text });
  }
  return events.sort((a, b) => a.seq - b.seq);
}

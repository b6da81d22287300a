// The turn scenario's `--preempt` mode: how fast a moderator's override stops a running turn.
// Node side: a node on the game's turn services (the offline narrator paced so that a turn is still
// narrating), N sessions at once, each taking turns that a `narrate` override cancels once its first
// chunk is out; measured from the override sent (to the session's override actor, system lane) to
// `turn-cancelled` delivered to the members' gateway endpoint (bound here: the audit log and
// the sockets are not what is measured). Bare side: the same turn graph in this thread; from the
// abort (a TurnCancelledError) to the run settled, its LangGraph thread deleted.
import { override, overrideId, session, tellSystem, TurnCancelledError, type SessionDelivery, type SessionEvent, type TurnRunner } from '../../actors/index.js';
import { EMPTY_SCENE } from '../../actors/index.js';
import { MEMORY_STORE, defaultNodeOptions, turnServices, type NarratorConfig } from '../../cluster/index.js';
import { GATEWAY_KIND } from '../../runtime/index.js';
import { startNode } from '../../runtime/node/index.js';
import { Latencies } from './latency.js';
import { turnText } from './turn-texts.js';

const IDLE_AFTER_MS = 3_600_000;

export interface PreemptResult {
  latency: Latencies;
  cancelled: number;
  /** Turns that committed before the override stopped them (the narration was too short). */
  missed: number;
}

/** Waits for session events by predicate; one listener for the whole node. */
class EventWaiter {
  readonly #waiting = new Map<string, { match: (e: SessionEvent) => boolean; resolve: (e: SessionEvent) => void }[]>();

  deliver(event: SessionEvent): void {
    const list = this.#waiting.get(event.session);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      if (!list[i].match(event)) continue;
      list[i].resolve(event);
      list.splice(i, 1);
      return;
    }
  }

  next(session: string, match: (e: SessionEvent) => boolean): Promise<SessionEvent> {
    return new Promise((resolve) => {
      const list = this.#waiting.get(session) ?? [];
      list.push({ match, resolve });
      this.#waiting.set(session, list);
    });
  }
}

/** `warmup` sessions of one pre-empted turn first (not measured: LangGraph's import on each worker, JIT), then the measured ones. */
export async function runPreemptNode(options: { workers: number; narrator: NarratorConfig; warmup: number; sessions: number; turns: number; onTurn(): void }): Promise<PreemptResult & { workers: number }> {
  const node = await startNode(
    defaultNodeOptions({ nodeId: `preempt-${process.pid}`, workers: options.workers, store: MEMORY_STORE, idleAfterMs: IDLE_AFTER_MS, logLevel: process.env.BENCH_NODE_LOG_LEVEL ?? 'warn', services: turnServices({ narrator: options.narrator }) }),
  );
  const waiter = new EventWaiter();
  node.bind({ kind: GATEWAY_KIND, id: node.id }, (msg: SessionDelivery) => {
    if (msg?.type === 'session-event') waiter.deliver(msg.event);
  });
  let result: PreemptResult = { latency: new Latencies(), cancelled: 0, missed: 0 };
  let audit = 0;
  const one = async (prefix: string, i: number, turns: number): Promise<void> => {
    const id = `${prefix}-${i}`;
    const player = `p${i}`;
    await session.ref(node, id).ask({ type: 'join-session', player, node: node.id });
    let last = 0;
    for (let t = 0; t < turns; t++) {
      // Listening before the turn is sent: its first chunk may come before the ask's reply.
      const after = last;
      const settled = waiter.next(id, (e) => (e.type === 'turn-cancelled' || e.type === 'turn-committed' || e.type === 'turn-failed') && e.turn > after);
      const narrating = waiter.next(id, (e) => e.type === 'narration' && e.turn > after);
      await session.ref(node, id).ask({ type: 'turn', player, text: turnText(i, t + 1) });
      const first = await Promise.race([narrating, settled]);
      const settledTurn = (e: SessionEvent): number => (e as { turn: number }).turn;
      if (first.type !== 'narration') {
        result.missed++;
        last = settledTurn(first);
      } else {
        const target = { kind: 'session', id } as const;
        const started = performance.now();
        tellSystem(override.ref(node, overrideId(target)), { type: 'apply', target, command: { command: 'narrate', text: 'The lights go out.' }, audit: { id: ++audit, hash: '0'.repeat(64) }, by: 'bench', replyTo: node.id });
        const end = await settled;
        // The narration a `narrate` adds takes the next number: the next player turn is past it.
        last = settledTurn(end) + 1;
        if (end.type === 'turn-cancelled') {
          result.latency.record(performance.now() - started);
          result.cancelled++;
        } else result.missed++;
      }
      options.onTurn();
    }
  };
  try {
    await Promise.all(Array.from({ length: options.warmup }, (_, i) => one('warm', i, 1)));
    result = { latency: new Latencies(), cancelled: 0, missed: 0 };
    await Promise.all(Array.from({ length: options.sessions }, (_, i) => one('s', i, options.turns)));
    return { ...result, workers: node.options.workers };
  } finally {
    await node.close();
  }
}

/** The bare side: `sessions` at once, each `turns` runs aborted after their first chunk. */
export async function runPreemptBare(runner: TurnRunner, prefix: string, sessions: number, turns: number, onTurn: () => void): Promise<PreemptResult> {
  const result: PreemptResult = { latency: new Latencies(), cancelled: 0, missed: 0 };
  const one = async (i: number): Promise<void> => {
    const id = `${prefix}-${i}`;
    for (let turn = 1; turn <= turns; turn++) {
      const controller = new AbortController();
      let chunk!: () => void;
      const narrating = new Promise<void>((resolve) => (chunk = resolve));
      const run = runner.run(
        { session: id, turn, player: `p${i}`, text: turnText(i, turn), scene: EMPTY_SCENE, recent: [], modifiers: {}, moderation: { paused: false, muted: false, locked: false, member: true } },
        { signal: controller.signal, onEvent: (e) => e.type === 'chunk' && chunk() },
      );
      const first = await Promise.race([narrating.then(() => 'narrating' as const), run.then(() => 'done' as const, () => 'done' as const)]);
      if (first === 'done') {
        result.missed++;
      } else {
        const started = performance.now();
        controller.abort(new TurnCancelledError(id, turn, 'narrate'));
        await run.then(
          () => result.missed++,
          () => {
            result.latency.record(performance.now() - started);
            result.cancelled++;
          },
        );
      }
      onTurn();
    }
  };
  await Promise.all(Array.from({ length: sessions }, (_, i) => one(i)));
  return result;
}

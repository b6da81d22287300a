// The per-save cost of the node-kept copy of saved state (runtime/host/saved-state-report.ts), in
// one thread: a save through the reporting wrapper when the store takes the state's text
// (saveText: one serialization for the store and the copy) against the same wrapper over a store
// that serializes again (save only: two), with the bare store beside them.
import { MessageChannel } from 'node:worker_threads';
import { MemoryStateStore, stateJson, type SeqTable, type StateStore, type StoredState } from '../../runtime/index.js';
import { ReportingStateStore } from '../../runtime/host/saved-state-report.js';
import { initialAccount, type AccountState } from './actors/rehydrate-actors.js';
import type { Progress } from '../support/progress.js';
import { median, type ScenarioResult } from '../support/report.js';
import { ROUND_OPTIONS, type OptionValues, type Scenario } from '../support/scenario.js';

export const rehydrateSave: Scenario = {
  name: 'rehydrate-save',
  summary: 'per-save cost of the copy of saved state: one serialization (saveText) vs two (save), bare store beside (goal: once < twice)',
  options: {
    ...ROUND_OPTIONS,
    saves: { kind: 'int', default: 20_000, min: 100, max: 1_000_000, description: 'saves per round and side (distinct actors, 1,000 in flight)' },
  },
  run: runSave,
};

type Side = 'once' | 'twice' | 'bare';
const SIDES: readonly Side[] = ['once', 'twice', 'bare'];
const IN_FLIGHT = 1_000;

/**
 * A store without saveText that serializes at call time, as a store does (the text goes straight
 * to the memory store's saveText: one call deep like the wrapper's own saveText call, so that the
 * sides differ by the serialization alone). A class, so that every round runs the same warm code.
 * Under the wrapper: two serializations per save.
 */
class SaveOnlyStore implements StateStore {
  readonly #inner = new MemoryStateStore();

  load(kind: string, id: string): Promise<StoredState | undefined> {
    return this.#inner.load(kind, id);
  }

  save(kind: string, id: string, state: unknown, expectedVersion: string | null, epoch: number, seqs?: SeqTable): Promise<string> {
    return this.#inner.saveText(kind, id, stateJson(state), expectedVersion, epoch, seqs === undefined ? undefined : JSON.stringify(seqs));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

function accounts(n: number): AccountState[] {
  return Array.from({ length: n }, (_, i) => {
    const s = initialAccount(`s${i}`);
    s.version = 3;
    s.balanceCents = 1_250 + i;
    s.recent = [0, 1, 2].map((k) => ({ at: s.createdAt, op: k % 2 === 0 ? 'deposit' : 'withdrawal', amountCents: 100 * (k + 1) }));
    return s;
  });
}

/** µs per save for `n` saves of distinct actors, IN_FLIGHT at a time, through `store`. */
async function round(store: StateStore, states: readonly AccountState[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < states.length; i += IN_FLIGHT) {
    const batch: Promise<string>[] = [];
    for (let j = i; j < Math.min(states.length, i + IN_FLIGHT); j++) batch.push(store.save('bench-state', `s${j}`, states[j], null, 1));
    await Promise.all(batch);
  }
  return ((performance.now() - started) * 1000) / states.length;
}

async function runSave(options: OptionValues, progress: Progress): Promise<ScenarioResult> {
  const n = options.saves as number;
  const rounds = options.rounds as number;
  const warmup = options.warmup as number;
  const states = accounts(n);
  const { port1, port2 } = new MessageChannel();
  let reported = 0;
  // The main thread's side of the copy: the events are counted and dropped (both wrapped sides post the same).
  port1.on('message', (events: unknown[]) => (reported += events.length));
  const make = (side: Side): StateStore => {
    if (side === 'bare') return new SaveOnlyStore();
    const init = { port: port2, pending: new SharedArrayBuffer(4), seed: '', seedForMs: 60_000 };
    return new ReportingStateStore(side === 'once' ? new MemoryStateStore() : new SaveOnlyStore(), init);
  };
  const us: Record<Side, number[]> = { once: [], twice: [], bare: [] };
  progress.begin('saves (each round: a fresh store per side, sides in turn)', warmup + rounds);
  for (let r = 0; r < warmup + rounds; r++) {
    // Rotated each round: whichever side goes first runs on a colder heap.
    const order = SIDES.map((_, k) => SIDES[(k + r) % SIDES.length]);
    for (const side of order) {
      const store = make(side);
      const perSave = await round(store, states);
      if (r >= warmup) us[side].push(perSave);
      // close() would close the shared port: only the inner store's documents are let go.
      await new Promise((resolve) => setImmediate(resolve));
    }
    progress.tick();
  }
  port1.close();
  progress.stop();
  const once = median(us.once);
  const twice = median(us.twice);
  const bare = median(us.bare);
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const onceVsTwice = Math.round((once / twice) * 1000) / 1000;
  return {
    figures: {
      scenario: 'rehydrate-save',
      saves: n,
      usPerSaveOnce: r2(once),
      usPerSaveTwice: r2(twice),
      usPerSaveBare: r2(bare),
      onceVsTwice,
      copyCostOnceUs: r2(once - bare),
      copyCostTwiceUs: r2(twice - bare),
      eventsReported: reported,
      rounds: { once: us.once.map(r2), twice: us.twice.map(r2), bare: us.bare.map(r2) },
    },
    goal: 'one serialization per save cheaper than two (once < twice)',
    goalMet: once < twice,
    table: {
      head: ['side', 'µs per save (median)', 'over the bare store'],
      rows: [
        ['copy, one serialization (saveText)', r2(once), `+${r2(once - bare)} µs`],
        ['copy, two serializations (save)', r2(twice), `+${r2(twice - bare)} µs`],
        ['bare store (no copy)', r2(bare), '—'],
      ],
    },
    bars: [
      { label: 'once', value: r2(once) },
      { label: 'twice', value: r2(twice) },
      { label: 'bare', value: r2(bare) },
    ],
    unit: 'µs',
    series: us.once.map(r2),
  };
}

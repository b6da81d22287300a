// Shared by the supervision tests: a store whose saves can be held, a harness that releases them
// at teardown, and small assertions.
import assert from 'node:assert/strict';
import { GlassError, type ActorSnapshot, type Clock, type StateStore, type SeqTable, type StoredState, type SupervisionSpec } from '../../runtime/index.js';
import { HostHarness, deferred } from './host-harness.js';

type TestContext = { after(fn: () => unknown): void };

/**
 * A store in front of another that records every save and can hold saves until released, like a
 * slow network store. The state is serialized when save is called (as a real store does), so
 * changes made while a save is held are not part of it.
 */
export class GatedStore implements StateStore {
  /** Every save called, with the state it was given and the clock's time. */
  readonly calls: { key: string; state: unknown; at: number }[] = [];
  /** Saves that the inner store accepted. */
  readonly written: { key: string; state: unknown; version: string }[] = [];
  hold = false;
  readonly #held: (() => void)[] = [];
  clock: Clock | null = null;

  constructor(readonly inner: StateStore) {}

  get heldCount(): number {
    return this.#held.length;
  }

  load(kind: string, id: string): Promise<StoredState | undefined> {
    return this.inner.load(kind, id);
  }

  async save(kind: string, id: string, state: unknown, expectedVersion: string | null, epoch: number, seqs?: SeqTable): Promise<string> {
    const snapshot = structuredClone(state);
    this.calls.push({ key: `${kind}:${id}`, state: snapshot, at: this.clock?.now() ?? -1 });
    if (this.hold) {
      const gate = deferred();
      this.#held.push(gate.resolve);
      await gate.promise;
    }
    const version = await this.inner.save(kind, id, snapshot, expectedVersion, epoch, seqs);
    this.written.push({ key: `${kind}:${id}`, state: snapshot, version });
    return version;
  }

  /** Lets the oldest held save through. */
  release(): void {
    const next = this.#held.shift();
    assert.ok(next !== undefined, 'no save is held');
    next();
  }

  /** Stops holding and lets every held save through. */
  open(): void {
    this.hold = false;
    while (this.#held.length > 0) this.release();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function harness(t: TestContext, options: ConstructorParameters<typeof HostHarness>[0]): HostHarness {
  const h = new HostHarness(options);
  if (options.store instanceof GatedStore) options.store.clock = h.clock;
  t.after(async () => {
    if (options.store instanceof GatedStore) options.store.open();
    await h.close();
  });
  return h;
}

export function snapshot(h: HostHarness, kind: string, id: string): ActorSnapshot {
  const found = h.host.inspect({ kind }).find((a) => a.id === id);
  assert.ok(found !== undefined, `${kind}:${id} is not in the host`);
  return found;
}

export function rejectsWith(code: string, check?: (err: GlassError) => void): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GlassError, String(err));
    assert.equal(err.code, code, err.message);
    check?.(err);
    return true;
  };
}

/** Backoff without jitter growth surprises: each restart waits exactly `ms`. */
export function fixedBackoff(ms: number): SupervisionSpec['backoff'] {
  return { minMs: ms, maxMs: ms, randomFactor: 0, resetAfterMs: 60_000 };
}

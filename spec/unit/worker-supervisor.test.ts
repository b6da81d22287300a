import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineActor } from '../../actors/index.js';
import {
  DEFAULT_SUPERVISION,
  Directive,
  ErrorCodes,
  GlassError,
  newRestartRecord,
  resolveSupervision,
  type BackoffSpec,
  type FailureReport,
  type RestartRecord,
  type SupervisionSpec,
} from '../../runtime/index.js';
import { WorkerSupervisor } from '../../supervisors/index.js';

/** A spec for the pure policy: defaults, with whatever the test is about changed. */
function spec(partial: Partial<SupervisionSpec> & { backoff?: Partial<BackoffSpec> }): SupervisionSpec {
  return resolveSupervision(partial as Partial<SupervisionSpec>);
}

function failure(at: number, attempt = 1): FailureReport {
  return { key: 'k:a', kind: 'k', messageType: 'boom', message: 'boom', attempt, at };
}

/** Feeds failures at the given times to one record; returns each decision. */
function run(supervisor: WorkerSupervisor, s: SupervisionSpec, times: number[], record: RestartRecord = newRestartRecord()) {
  return times.map((at) => supervisor.decide(s, record, failure(at)));
}

const noLimit = { maxRestarts: 1_000, withinMs: 1 } as const;

test('backoff starts at minMs and doubles up to maxMs (no jitter)', () => {
  const s = spec({ ...noLimit, backoff: { minMs: 100, maxMs: 1_000, randomFactor: 0, resetAfterMs: 1_000_000 } });
  const decisions = run(new WorkerSupervisor({ random: () => 0.5 }), s, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    decisions.map((d) => d.directive),
    Array(7).fill(Directive.RESTART),
  );
  assert.deepEqual(
    decisions.map((d) => d.delayMs),
    [100, 200, 400, 800, 1_000, 1_000, 1_000],
  );
});

test('jitter keeps each delay d within [d, d * (1 + randomFactor)]: random 0 gives d, random 0.999 gives nearly the top', () => {
  const backoff = { minMs: 100, maxMs: 100_000, randomFactor: 0.5, resetAfterMs: 1_000_000 };
  const s = spec({ ...noLimit, backoff });
  const times = [0, 1, 2, 3, 4, 5];
  const base = [100, 200, 400, 800, 1_600, 3_200];
  const low = run(new WorkerSupervisor({ random: () => 0 }), s, times).map((d) => d.delayMs);
  const high = run(new WorkerSupervisor({ random: () => 0.999 }), s, times).map((d) => d.delayMs);
  assert.deepEqual(low, base);
  for (let i = 0; i < base.length; i++) {
    const d = base[i];
    assert.ok(high[i] >= d && high[i] <= d * (1 + backoff.randomFactor), `delay ${high[i]} for d=${d}`);
    assert.ok(high[i] >= Math.floor(d * 1.499), `random 0.999 lands near the top (${high[i]} for d=${d})`);
  }
  // The undelayed sequence is the same whatever the jitter: jitter never feeds the doubling.
  const mid = run(new WorkerSupervisor({ random: () => 0.999 }), spec({ ...noLimit, backoff: { ...backoff, randomFactor: 0 } }), times);
  assert.deepEqual(mid.map((d) => d.delayMs), base);
  // Near maxMs the jittered delay is still capped at maxMs.
  const capped = run(new WorkerSupervisor({ random: () => 0.999 }), spec({ ...noLimit, backoff: { ...backoff, maxMs: 150 } }), [0, 1, 2]);
  assert.deepEqual(capped.map((d) => d.delayMs), [150, 150, 150]);
});

test('a run of resetAfterMs without failure resets the backoff to minMs; one ms less does not', () => {
  const s = spec({ ...noLimit, backoff: { minMs: 10, maxMs: 10_000, randomFactor: 0, resetAfterMs: 5_000 } });
  const supervisor = new WorkerSupervisor({ random: () => 0 });
  const record = newRestartRecord();
  assert.deepEqual(run(supervisor, s, [0, 10, 20], record).map((d) => d.delayMs), [10, 20, 40]);
  assert.equal(run(supervisor, s, [20 + 4_999], record)[0].delayMs, 80, 'not quiet long enough');
  assert.equal(run(supervisor, s, [20 + 4_999 + 5_000], record)[0].delayMs, 10, 'quiet for resetAfterMs');
  assert.equal(run(supervisor, s, [20 + 4_999 + 5_001], record)[0].delayMs, 20, 'doubling again from minMs');
});

test('restart intensity: the (maxRestarts + 1)-th restart within withinMs escalates', () => {
  const s = spec({ maxRestarts: 3, withinMs: 1_000, backoff: { minMs: 1, maxMs: 1, randomFactor: 0, resetAfterMs: 1_000_000 } });
  const supervisor = new WorkerSupervisor({ random: () => 0 });
  const record = newRestartRecord();
  const decisions = run(supervisor, s, [0, 100, 200, 999], record);
  assert.deepEqual(
    decisions.map((d) => d.directive),
    [Directive.RESTART, Directive.RESTART, Directive.RESTART, Directive.ESCALATE],
  );
  assert.equal(decisions[3].delayMs, 0);
  assert.equal(record.total, 3, 'an escalation is not a restart');
  // Once the first restart is withinMs old it leaves the window: the next failure restarts again.
  assert.equal(run(supervisor, s, [1_000], record)[0].directive, Directive.RESTART);
  assert.equal(run(supervisor, s, [1_001], record)[0].directive, Directive.ESCALATE);
});

test('restart intensity: restarts spread wider than withinMs never escalate, however many', () => {
  const s = spec({ maxRestarts: 2, withinMs: 1_000, backoff: { minMs: 1, maxMs: 1, randomFactor: 0, resetAfterMs: 1_000_000 } });
  const supervisor = new WorkerSupervisor({ random: () => 0 });
  const record = newRestartRecord();
  // Two per window is the limit: pairs of failures 1 ms apart, each pair 1001 ms after the last.
  const times = Array.from({ length: 50 }, (_, i) => Math.floor(i / 2) * 1_001 + (i % 2));
  assert.ok(run(supervisor, s, times, record).every((d) => d.directive === Directive.RESTART));
  assert.equal(record.total, 50);
  const zero = spec({ maxRestarts: 0, withinMs: 1_000 });
  assert.equal(run(supervisor, zero, [0])[0].directive, Directive.ESCALATE, 'maxRestarts 0 escalates the first failure');
});

test('poisonAfter: the failure whose attempt reaches poisonAfter is flagged for quarantine, whatever the directive', () => {
  const supervisor = new WorkerSupervisor({ random: () => 0 });
  for (const directive of Object.values(Directive)) {
    const s = spec({ directive, poisonAfter: 3 });
    const record = newRestartRecord();
    const flags = [1, 2, 3, 4].map((attempt) => supervisor.decide(s, record, failure(attempt * 10, attempt)).quarantine);
    assert.deepEqual(flags, [false, false, true, true], directive);
  }
  assert.equal(supervisor.decide(spec({ poisonAfter: 1 }), newRestartRecord(), failure(0, 1)).quarantine, true);
});

test('resume, stop and escalate pass through as decided, without delay and without touching the restart window', () => {
  const supervisor = new WorkerSupervisor({ random: () => 0.999 });
  for (const directive of [Directive.RESUME, Directive.STOP, Directive.ESCALATE]) {
    const s = spec({ directive, maxRestarts: 0 });
    const record = newRestartRecord();
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(supervisor.decide(s, record, failure(i)), { directive, delayMs: 0, quarantine: false });
    }
    assert.deepEqual(record.restarts, []);
    assert.equal(record.total, 0);
    assert.equal(record.lastFailureAt, 4);
  }
});

test('specFor: node overrides apply over the kind\'s own spec, which applies over the defaults', () => {
  const supervisor = new WorkerSupervisor({
    overrides: { room: { maxRestarts: 1, backoff: { maxMs: 20 } as BackoffSpec } },
  });
  const own: Partial<SupervisionSpec> = { directive: 'resume', maxRestarts: 9, poisonAfter: 7, backoff: { minMs: 5 } as BackoffSpec };
  const room = supervisor.specFor('room', own);
  assert.deepEqual(room, {
    ...DEFAULT_SUPERVISION,
    directive: 'resume',
    maxRestarts: 1,
    poisonAfter: 7,
    backoff: { ...DEFAULT_SUPERVISION.backoff, minMs: 5, maxMs: 20 },
  });
  assert.ok(Object.isFrozen(room));
  assert.equal(supervisor.specFor('room', own), room, 'resolved once per kind');
  // A kind without an override keeps its own spec; a kind without either gets the defaults.
  assert.deepEqual(supervisor.specFor('lobby', own), { ...DEFAULT_SUPERVISION, ...own, backoff: { ...DEFAULT_SUPERVISION.backoff, minMs: 5 } });
  assert.equal(supervisor.specFor('plain', undefined), DEFAULT_SUPERVISION);
  // Bad values are named by where they were written.
  assert.throws(() => new WorkerSupervisor({ overrides: { room: { maxRestarts: -1 } } }).specFor('room', undefined), {
    code: ErrorCodes.INVALID_OPTION,
    details: { option: 'supervision.room.maxRestarts' },
  });
  assert.throws(() => new WorkerSupervisor().specFor('room', { poisonAfter: 0 }), {
    code: ErrorCodes.INVALID_OPTION,
    details: { option: 'room.supervision.poisonAfter' },
  });
});

test('resolveSupervision rejects each bad field with GLASS_ERR_INVALID_OPTION naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['not an object', null, 'supervision'],
    ['a string', 'restart', 'supervision'],
    ['unknown directive', { directive: 'explode' }, 'supervision.directive'],
    ['unknown strategy', { strategy: 'one-for-some' }, 'supervision.strategy'],
    ['negative maxRestarts', { maxRestarts: -1 }, 'supervision.maxRestarts'],
    ['fractional maxRestarts', { maxRestarts: 1.5 }, 'supervision.maxRestarts'],
    ['string maxRestarts', { maxRestarts: '3' }, 'supervision.maxRestarts'],
    ['zero withinMs', { withinMs: 0 }, 'supervision.withinMs'],
    ['infinite withinMs', { withinMs: Infinity }, 'supervision.withinMs'],
    ['zero poisonAfter', { poisonAfter: 0 }, 'supervision.poisonAfter'],
    ['negative backoff.minMs', { backoff: { minMs: -1 } }, 'supervision.backoff.minMs'],
    ['backoff.maxMs below minMs', { backoff: { minMs: 100, maxMs: 99 } }, 'supervision.backoff.maxMs'],
    ['zero backoff.resetAfterMs', { backoff: { resetAfterMs: 0 } }, 'supervision.backoff.resetAfterMs'],
    ['backoff.randomFactor above 1', { backoff: { randomFactor: 1.5 } }, 'supervision.backoff.randomFactor'],
    ['negative backoff.randomFactor', { backoff: { randomFactor: -0.1 } }, 'supervision.backoff.randomFactor'],
    ['NaN backoff.randomFactor', { backoff: { randomFactor: NaN } }, 'supervision.backoff.randomFactor'],
    ['string backoff.randomFactor', { backoff: { randomFactor: '0.2' } }, 'supervision.backoff.randomFactor'],
  ];
  for (const [name, partial, option] of cases) {
    assert.throws(
      () => resolveSupervision(partial as Partial<SupervisionSpec>),
      (err: unknown) => {
        assert.ok(err instanceof GlassError, name);
        assert.equal(err.code, ErrorCodes.INVALID_OPTION, name);
        assert.deepEqual(err.details, { option }, name);
        assert.ok(err.message.includes(option), `${name}: ${err.message}`);
        return true;
      },
      name,
    );
  }
  // The path prefix is the caller's.
  assert.throws(() => resolveSupervision({ maxRestarts: -1 }, DEFAULT_SUPERVISION, 'room.supervision'), {
    details: { option: 'room.supervision.maxRestarts' },
  });
  // And defineActor checks a kind's spec where it is written.
  assert.throws(
    () => defineActor({ kind: 'bad', initialState: () => ({}), handlers: {}, supervision: { strategy: 'all' as never } }),
    { code: ErrorCodes.INVALID_OPTION, details: { option: 'supervision.strategy' } },
  );
  // Valid input: filled over the base, frozen; edges of each range are accepted.
  assert.equal(resolveSupervision(undefined), DEFAULT_SUPERVISION);
  const edges = resolveSupervision({ maxRestarts: 0, withinMs: 1, poisonAfter: 1, backoff: { minMs: 0, maxMs: 0, randomFactor: 1, resetAfterMs: 1 } });
  assert.equal(edges.directive, DEFAULT_SUPERVISION.directive);
  assert.deepEqual(edges.backoff, { minMs: 0, maxMs: 0, randomFactor: 1, resetAfterMs: 1 });
  assert.ok(Object.isFrozen(edges));
});

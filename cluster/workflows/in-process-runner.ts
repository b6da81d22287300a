// The embedded default (no TEMPORAL_ADDRESS): the workflows' activities run in this process, in the
// order the workflows run them, each retried with the server's one backoff (supervisors/backoff.ts)
// as the workflows' retry policies would. A start settles once the run finished, so the actor keeps
// it until then: a crash reruns it (the activities are idempotent: lore documents remember their
// sources), never loses it. What this does not give is Temporal's durability across processes
// without the actor, its history and its UI.
import { GlassError, RESULT_WORKFLOWS, WorkflowErrors, workflowResultOf, type WorkflowStart, type WorkflowStartResult } from '../../runtime/index.js';
import { Backoff, type BackoffPolicy } from '../../supervisors/index.js';
import { NonRetryableActivityError } from './activities/glass-activities.js';
import type { CheckRunnerInput, ConsolidationWorkflowInput, FanOutInput, GlassActivities } from './workflow-types.js';

export interface InProcessRunnerOptions {
  /** Runs at once in this process; one more start is refused with GLASS_ERR_WORKFLOW_BUSY (retried by the actor). Default 16. */
  maxRunning?: number;
  /** Attempts per activity before the run fails. Default 5. */
  maxAttempts?: number;
  retry?: BackoffPolicy;
  /** Waits between attempts (tests: a clock that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Told when a run starts (its lag from the request) and ends. */
  onStart?: (start: WorkflowStart) => void;
  onEnd?: (start: WorkflowStart, ok: boolean) => void;
}

const DEFAULT_RETRY: BackoffPolicy = { minMs: 200, maxMs: 10_000, randomFactor: 0.2 };
/**
 * Ids of finished runs remembered, so a late duplicate is answered already-started without a rerun
 * (with the run's result, for RESULT_WORKFLOWS: at most MAX_WORKFLOW_RESULT_BYTES each).
 */
const REMEMBERED = 1_024;

export class InProcessRunner {
  readonly #activities: GlassActivities;
  readonly #maxRunning: number;
  readonly #maxAttempts: number;
  readonly #retry: BackoffPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #o: InProcessRunnerOptions;
  readonly #running = new Map<string, Promise<WorkflowStartResult>>();
  /** Finished runs: id → result (undefined but for RESULT_WORKFLOWS). */
  readonly #done = new Map<string, unknown>();
  #closed = false;

  constructor(activities: GlassActivities, options: InProcessRunnerOptions = {}) {
    this.#activities = activities;
    this.#o = options;
    this.#maxRunning = options.maxRunning ?? 16;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()));
  }

  get running(): number {
    return this.#running.size;
  }

  start(start: WorkflowStart): Promise<WorkflowStartResult> {
    if (this.#closed) return Promise.reject(new GlassError(WorkflowErrors.CLOSED, 'the in-process workflow runner is closed'));
    if (this.#done.has(start.id)) return Promise.resolve(withResult({ id: start.id, status: 'already-started', mode: 'in-process' }, this.#done.get(start.id)));
    const running = this.#running.get(start.id);
    if (running !== undefined) return running.then((r) => ({ ...r, status: 'already-started' as const }));
    if (this.#running.size >= this.#maxRunning) return Promise.reject(new GlassError(WorkflowErrors.BUSY, `${this.#running.size} workflows already run in this process`));
    this.#o.onStart?.(start);
    const run = this.#run(start).then(
      (output): WorkflowStartResult => {
        const result = RESULT_WORKFLOWS.has(start.type) ? workflowResultOf(output) : undefined;
        this.#finish(start, true, result);
        return withResult({ id: start.id, status: 'started', mode: 'in-process' }, result);
      },
      (err: unknown) => {
        this.#finish(start, false);
        throw err;
      },
    );
    this.#running.set(start.id, run);
    return run;
  }

  close(): void {
    this.#closed = true;
  }

  #finish(start: WorkflowStart, ok: boolean, result?: unknown): void {
    this.#running.delete(start.id);
    if (ok) {
      this.#done.set(start.id, result);
      if (this.#done.size > REMEMBERED) this.#done.delete(this.#done.keys().next().value!);
    }
    this.#o.onEnd?.(start, ok);
  }

  /** What each workflow does (workflows/*.ts), with the activities called directly. */
  async #run(start: WorkflowStart): Promise<unknown> {
    const a = this.#activities;
    switch (start.type) {
      case 'storyConsolidation': {
        const input = start.input as ConsolidationWorkflowInput;
        const digest = await this.#attempt(() => a.summariseTurn(input));
        const lore = await this.#attempt(() => a.writeLore({ world: input.world, source: `${input.session}#${input.turn}`, digest }));
        return { summary: digest.summary, lore };
      }
      case 'checkRunner':
        return { results: await this.#attempt(() => a.runChecks(start.input as CheckRunnerInput)) };
      case 'moderationFanOut': {
        const input = start.input as FanOutInput;
        const targets = Array.isArray(input?.targets) ? input.targets.slice(0, 16) : [];
        await Promise.all(targets.map((target) => this.#attempt(() => a.notifyModerators({ target, notice: input.notice }))));
        return { delivered: targets.length };
      }
    }
  }

  async #attempt<T>(call: () => Promise<T>): Promise<T> {
    const backoff = new Backoff(this.#retry);
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (err instanceof NonRetryableActivityError || backoff.attempts + 1 >= this.#maxAttempts || this.#closed) throw err;
        await this.#sleep(backoff.next());
      }
    }
  }
}

function withResult(r: WorkflowStartResult, result: unknown): WorkflowStartResult {
  return result === undefined ? r : { ...r, result };
}

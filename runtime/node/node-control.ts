import { NODE_KIND } from '../address.js';
import { ErrorCodes, GlassError } from '../errors.js';
import type { WorkerStats } from '../host/control-api.js';
import type { ActorSnapshot } from '../host/actor-host.js';
import type { ActorQuery, ActorSample, SampleOptions, WorkerSample } from '../host/metrics-sample.js';
import { WorkerStatus, type NodeSupervisor, type WorkerHandle } from './node-supervisor.js';
import { nestActors, type SupervisionTree, type WorkerTreeNode } from './supervision-tree.js';

/**
 * The node's control plane over its workers, for people and tools (ops, the CLI, tests): what each
 * worker hosts, its figures, and the few actions on actors (passivate, restart, flush, drain).
 * Every call goes to the workers over their control port (WorkerControl), never over the data ports.
 */
export class NodeControl {
  readonly #nodeId: string;
  readonly #supervisor: NodeSupervisor;
  readonly #threadOf: (id: string) => number;

  constructor(nodeId: string, supervisor: NodeSupervisor, threadOf: (id: string) => number) {
    this.#nodeId = nodeId;
    this.#supervisor = supervisor;
    this.#threadOf = threadOf;
  }

  /** This node's own endpoint: a peer that now owns an actor asks this node to let go of it. */
  async onNodeMessage(msg: { type?: unknown; kind?: unknown; id?: unknown }): Promise<boolean> {
    if (msg.type !== 'release' || typeof msg.kind !== 'string' || typeof msg.id !== 'string') {
      throw new GlassError(ErrorCodes.UNKNOWN_MESSAGE, `${NODE_KIND} does not handle ${String(msg.type)}`);
    }
    const { kind, id } = msg;
    // Whichever worker has it (the placement may already say it is elsewhere).
    const released = await Promise.all(this.#live().map((w) => w.control.passivate(kind, id).catch(() => false)));
    return released.some(Boolean);
  }

  async inspect(filter?: { kind?: string; limit?: number }): Promise<{ thread: number; actors: ActorSnapshot[] }[]> {
    return Promise.all(this.#live().map(async (w) => ({ thread: w.thread, actors: await w.control.inspect(filter) })));
  }

  async supervisionTree(filter?: { kind?: string; limit?: number }): Promise<SupervisionTree> {
    const workers = await Promise.all(
      this.#supervisor.handles.map(async (w): Promise<WorkerTreeNode> => ({
        thread: w.thread,
        status: w.status,
        restarts: w.restarts,
        lastExit: w.lastExit,
        lastBlocked: w.lastBlocked,
        // A worker that dies (or is found blocked) while answering shows no actors rather than failing the tree.
        actors: w.status === WorkerStatus.RUNNING ? nestActors(await w.control.inspect(filter).catch(() => [])) : [],
      })),
    );
    return { node: this.#nodeId, workers };
  }

  async sampleWorkers(options?: SampleOptions): Promise<WorkerSample[]> {
    return Promise.all(this.#live().map((w) => w.control.sample(options)));
  }

  async findActors(thread: number, query?: ActorQuery): Promise<{ total: number; actors: ActorSample[] }> {
    const w = this.#running(thread);
    return w !== undefined ? w.control.actors(query) : { total: 0, actors: [] };
  }

  async stats(): Promise<WorkerStats[]> {
    return Promise.all(this.#live().map((w) => w.control.stats()));
  }

  async passivate(kind: string, id: string): Promise<boolean> {
    const w = this.#running(this.#threadOf(id));
    return w !== undefined ? w.control.passivate(kind, id) : false;
  }

  async restart(kind: string, id: string): Promise<boolean> {
    const w = this.#running(this.#threadOf(id));
    return w !== undefined ? w.control.restart(kind, id) : false;
  }

  async flush(): Promise<void> {
    await Promise.all(this.#live().map((w) => w.control.flush()));
  }

  async drainWorker(thread: number): Promise<number> {
    const w = this.#running(thread);
    if (w === undefined) throw new GlassError(ErrorCodes.WORKER_FAILED, `no live worker ${thread}`);
    return w.control.drain();
  }

  /** The worker of thread 1..W if it is running. */
  #running(thread: number): WorkerHandle | undefined {
    const w = this.#supervisor.handles[thread - 1];
    return w !== undefined && w.status === WorkerStatus.RUNNING ? w : undefined;
  }

  #live(): WorkerHandle[] {
    return this.#supervisor.live();
  }
}

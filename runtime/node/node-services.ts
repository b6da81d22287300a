import { loadExport } from '../module-ref.js';
import type { MainService, MainServiceInit, ServiceSpec } from '../services.js';
import type { WorkerServiceRef } from '../host/control-api.js';

/** The main-thread parts of a node's services (runtime/services.ts), started before its workers. */
export class NodeServices {
  readonly #specs: readonly [string, ServiceSpec][];
  readonly #main: ReadonlyMap<string, MainService>;

  private constructor(specs: readonly [string, ServiceSpec][], main: ReadonlyMap<string, MainService>) {
    this.#specs = specs;
    this.#main = main;
  }

  static async start(specs: readonly [string, ServiceSpec][], nodeId: string): Promise<NodeServices> {
    const main = new Map<string, MainService>();
    try {
      for (const [name, spec] of specs) {
        if (spec.main === undefined) continue;
        const create = await loadExport<(init: MainServiceInit) => MainService | Promise<MainService>>(spec.main, `services.${name}.main`);
        main.set(name, await create({ options: spec.main.options, nodeId }));
      }
    } catch (err) {
      await Promise.allSettled([...main.values()].map((s) => s.close()));
      throw err;
    }
    return new NodeServices(specs, main);
  }

  /** The main-thread part of service `name` (undefined when it has none): for main-thread callers of the node's services. */
  main(name: string): MainService | undefined {
    return this.#main.get(name);
  }

  /** What worker `thread` is given: each service's worker part and a fresh port to its main part. */
  forWorker(thread: number): WorkerServiceRef[] {
    return this.#specs.map(([name, spec]) => ({ name, worker: spec.worker, port: this.#main.get(name)?.connect(thread) ?? null }));
  }

  /** After the workers stopped. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#main.values()].map((s) => s.close()));
  }
}

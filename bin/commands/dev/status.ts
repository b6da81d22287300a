// glass dev status and glass dev down: what the state file says, checked against what runs.
import { DevError, DevErrors } from './dev-errors.js';
import { probe, type ProbeResult } from './probes.js';
import { pidAlive, readState, removeState, type DevTopology } from './state-file.js';
import { signalGroup } from './tether.js';
import { describeTopology } from './topology-table.js';

/** Exit codes of status: everything up, something down, no topology. */
export const STATUS_EXIT = { UP: 0, DOWN: 1, NONE: 3 } as const;

export async function devStatus(dir: string, json: boolean, out: (text: string) => void): Promise<number> {
  const state = readState(dir);
  if (state === null) {
    out(json ? JSON.stringify({ dir, running: false }) + '\n' : `no topology running on ${dir} (glass dev up --dir ${dir})\n`);
    return STATUS_EXIT.NONE;
  }
  const supervisorUp = pidAlive(state.supervisor);
  const results = new Map<string, ProbeResult>(await Promise.all(state.services.map(async (s) => [s.name, await probe(s)] as const)));
  const allUp = supervisorUp && [...results.values()].every((r) => r.up);
  if (json) {
    const services = state.services.map((s) => ({ ...s, up: results.get(s.name)!.up, detail: results.get(s.name)!.detail }));
    out(JSON.stringify({ dir, running: supervisorUp, up: allUp, supervisor: { pid: state.supervisor, up: supervisorUp }, cluster: state.cluster, edge: state.edge, env: state.env, services }) + '\n');
  } else {
    out(describeTopology(state, results));
    if (!supervisorUp) out(`the supervisor (pid ${state.supervisor}) is gone: the state file is stale; glass dev down --dir ${dir} stops what is left\n`);
  }
  if (!supervisorUp) return STATUS_EXIT.NONE;
  return allUp ? STATUS_EXIT.UP : STATUS_EXIT.DOWN;
}

/**
 * Signals the supervisor (SIGTERM: it stops every service in reverse order and removes the state
 * file) and waits for it to exit. A stale state file (its supervisor gone): the services still
 * alive are sent SIGTERM, then SIGKILL, and the file is removed.
 */
export async function devDown(dir: string, timeoutMs: number, out: (text: string) => void): Promise<number> {
  const state = readState(dir);
  if (state === null) {
    out(`no topology running on ${dir}\n`);
    return STATUS_EXIT.NONE;
  }
  const { until } = await import('../../../bench/faults/support/wait.js');
  if (pidAlive(state.supervisor)) {
    process.kill(state.supervisor, 'SIGTERM');
    try {
      await until(`the supervisor (pid ${state.supervisor}) to exit`, () => (pidAlive(state.supervisor) ? undefined : true), timeoutMs, 100);
    } catch (err) {
      throw new DevError(DevErrors.STOP_FAILED, `the supervisor (pid ${state.supervisor}) did not stop within ${timeoutMs} ms`, { cause: err });
    }
    removeState(dir);
    out(`stopped the topology on ${dir}\n`);
    return 0;
  }
  await stopLeftovers(state, until);
  removeState(dir);
  out(`the supervisor (pid ${state.supervisor}) was gone: stopped what was left, removed the state file\n`);
  return 0;
}

type Until = (what: string, probe: () => true | undefined, timeoutMs: number, everyMs: number) => Promise<true>;

async function stopLeftovers(state: DevTopology, until: Until): Promise<void> {
  // Each service leads a process group of its own (tether.ts): the group is signalled, what it started included.
  const pids = state.services.map((s) => s.pid).filter((pid) => pid > 0 && pid !== state.supervisor && pid !== process.pid && pidAlive(pid));
  const signal = (pid: number, name: NodeJS.Signals): void => {
    if (!signalGroup(pid, name)) {
      try {
        process.kill(pid, name);
      } catch {
        // Gone meanwhile.
      }
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  await until('the services to exit', () => (pids.every((p) => !pidAlive(p)) ? true : undefined), 10_000, 100).catch(() => {
    for (const pid of pids) if (pidAlive(pid)) signal(pid, 'SIGKILL');
  });
}

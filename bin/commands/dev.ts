// glass dev up|down|status: the local topology (Caddy in front of N nodes, Redis, the stores,
// optionally Prometheus) from this machine's own packages, one command to start and stop it
// (README.md, "Local topology"). Parsing here; the supervisor, the state file and the probes in dev/.
import { resolve } from 'node:path';
import { integerArg, parseCommandArgs, UsageError } from '../cli-args.js';
import { startDetached } from './dev/detach.js';
import { devDown, devStatus } from './dev/status.js';
import { claimDir, runSupervisor, type UpOptions } from './dev/supervisor.js';
import { requireBinary } from './dev/edge-services.js';
import { DEFAULT_RESTART_LIMIT } from './dev/restart-intensity.js';
import { describeTopology } from './dev/topology-table.js';

export const DEFAULT_DEV_DIR = '.data/dev';
const SUBCOMMANDS = ['up', 'down', 'status'] as const;

export type DevArgs =
  | { readonly command: 'up'; readonly options: UpOptions; readonly detach: boolean; readonly upArgs: readonly string[] }
  | { readonly command: 'down'; readonly dir: string; readonly timeoutMs: number }
  | { readonly command: 'status'; readonly dir: string; readonly json: boolean };

export function parseDev(args: string[]): DevArgs {
  const [sub, ...rest] = args;
  if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`glass dev: expected ${SUBCOMMANDS.join(', ')} (received ${JSON.stringify(sub ?? '')}); try "glass dev --help"`);
  }
  const dirOf = (raw: string | undefined): string => {
    if (raw !== undefined && raw.trim() === '') throw new UsageError('--dir must not be empty');
    return resolve(raw ?? DEFAULT_DEV_DIR);
  };
  if (sub === 'up') {
    const { values } = parseCommandArgs(rest, {
      dir: { type: 'string' },
      nodes: { type: 'string' },
      workers: { type: 'string' },
      'edge-port': { type: 'string' },
      prometheus: { type: 'boolean' },
      detach: { type: 'boolean' },
      'max-restarts': { type: 'string' },
      'restart-period': { type: 'string' },
    });
    const dir = dirOf(values.dir);
    const nodes = integerArg('--nodes', values.nodes, 1, 8) ?? 2;
    const workers = integerArg('--workers', values.workers, 1, 16) ?? 2;
    const edgePort = integerArg('--edge-port', values['edge-port'], 0, 65_535) ?? 8443;
    const prometheus = values.prometheus === true;
    const maxRestarts = integerArg('--max-restarts', values['max-restarts'], 0, 1_000) ?? DEFAULT_RESTART_LIMIT.maxRestarts;
    const periodS = integerArg('--restart-period', values['restart-period'], 1, 86_400) ?? DEFAULT_RESTART_LIMIT.periodMs / 1_000;
    // What the detached supervisor is started with: the same topology, in the foreground.
    const upArgs = ['--dir', dir, '--nodes', String(nodes), '--workers', String(workers), '--edge-port', String(edgePort), '--max-restarts', String(maxRestarts), '--restart-period', String(periodS), ...(prometheus ? ['--prometheus'] : [])];
    const restartLimit = { maxRestarts, periodMs: periodS * 1_000 };
    return { command: 'up', options: { dir, nodes, workers, edgePort, prometheus, restartLimit }, detach: values.detach === true, upArgs };
  }
  if (sub === 'down') {
    const { values } = parseCommandArgs(rest, { dir: { type: 'string' }, 'timeout-ms': { type: 'string' } });
    return { command: 'down', dir: dirOf(values.dir), timeoutMs: integerArg('--timeout-ms', values['timeout-ms'], 1_000, 600_000) ?? 60_000 };
  }
  const { values } = parseCommandArgs(rest, { dir: { type: 'string' }, json: { type: 'boolean' } });
  return { command: 'status', dir: dirOf(values.dir), json: values.json === true };
}

export async function devCommand(args: DevArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const out = (text: string): void => void process.stdout.write(text);
  switch (args.command) {
    case 'up': {
      if (!args.detach) return runSupervisor(args.options, env, out);
      // Refused here, at once, rather than in the supervisor's log.
      requireBinary('caddy', env, 'the topology\'s edge');
      if (args.options.prometheus) requireBinary('prometheus', env, 'asked for by --prometheus');
      requireBinary('setpriv', env, 'util-linux\'s, ties each service to the supervisor\'s life');
      claimDir(args.options.dir);
      const state = await startDetached(args.options.dir, args.upArgs, env);
      out(describeTopology(state));
      out(`running in the background; glass dev down --dir ${args.options.dir} stops it\n`);
      return 0;
    }
    case 'down':
      return devDown(args.dir, args.timeoutMs, out);
    case 'status':
      return devStatus(args.dir, args.json, out);
  }
}

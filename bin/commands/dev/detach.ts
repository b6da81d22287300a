// glass dev up --detach: the supervisor started as a process of its own (a new session, its output
// in D/logs/supervisor.log), waited for until its state file says ready (exit 0) or it exits first
// (exit 1, with the end of its log).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DevError, DevErrors } from './dev-errors.js';
import { readState, type DevTopology } from './state-file.js';

/** How long the whole topology may take to be ready. */
const DETACHED_READY_TIMEOUT_MS = 240_000;

export async function startDetached(dir: string, upArgs: readonly string[], env: NodeJS.ProcessEnv): Promise<DevTopology> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const log = join(dir, 'logs', 'supervisor.log');
  // The program as package.json declares it (bench's glassCliPath): naming bin/glass.js from here would be an import cycle.
  const { glassCliPath } = await import('../../../bench/load/targets/glass-cli.js');
  const { until } = await import('../../../bench/faults/support/wait.js');
  const fd = openSync(log, 'a', 0o600);
  let child;
  try {
    writeSync(fd, `--- glass dev up ${upArgs.join(' ')} at ${new Date().toISOString()}\n`);
    child = spawn(process.execPath, [glassCliPath(), 'dev', 'up', ...upArgs], { detached: true, stdio: ['ignore', fd, fd], env, cwd: process.cwd() });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid ?? -1;
  const ended: { exit: { code: number | null; signal: NodeJS.Signals | null } | null } = { exit: null };
  child.once('exit', (code, signal) => (ended.exit = { code, signal }));
  let outcome: DevTopology | 'exited';
  try {
    outcome = await until(
      'the topology to be ready',
      (): DevTopology | 'exited' | undefined => {
        const s = readState(dir);
        if (s !== null && s.supervisor === pid) return s;
        return ended.exit !== null ? 'exited' : undefined;
      },
      DETACHED_READY_TIMEOUT_MS,
      100,
    );
  } catch (err) {
    child.kill('SIGTERM');
    throw new DevError(DevErrors.START_FAILED, `${(err as Error).message}; the supervisor (pid ${pid}) was stopped:\n${tail(log)}`, { cause: err });
  }
  if (outcome === 'exited') {
    const { code, signal } = ended.exit!;
    throw new DevError(DevErrors.START_FAILED, `the supervisor exited (code ${code}, signal ${signal}) before the topology was ready:\n${tail(log)}`);
  }
  child.unref();
  return outcome;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

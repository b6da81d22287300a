// `glass bench` (bin/glass.ts loads this module when the command is given): the load harness,
// loaded only here, so that a missing library of the harness is a one-line error, not a stack.
// The harness's libraries are devDependencies: an install without them (npm ci --omit=dev) runs
// every other command of glass.
import { GlassError } from '../../runtime/index.js';
import { LoadErrors } from './load-errors.js';

/** The packages only the harness uses (package.json devDependencies). */
const HARNESS_LIBRARIES = ['hdr-histogram-js', 'cli-progress'] as const;

export async function runBenchCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let harness: typeof import('./harness.js');
  try {
    harness = await import('./harness.js');
  } catch (err) {
    const missing = missingLibrary(err);
    if (missing === null) throw err;
    throw new GlassError(
      LoadErrors.NOT_INSTALLED,
      `glass bench needs ${missing}, a development dependency of glass-runtime that is not installed (npm ci installs it; npm ci --omit=dev does not)`,
    );
  }
  return harness.runBenchCommand(args, env);
}

function missingLibrary(err: unknown): string | null {
  if ((err as NodeJS.ErrnoException | null)?.code !== 'ERR_MODULE_NOT_FOUND') return null;
  const message = (err as Error).message;
  return HARNESS_LIBRARIES.find((name) => message.includes(`'${name}'`)) ?? null;
}

// Ctrl-C (SIGINT) or SIGTERM during a run: tear down what the run started (the local cluster's
// nodes, Redis, the store, temporary directories) before exiting, rather than leaving them behind.
// A second signal exits at once (the exit hooks still SIGKILL the child processes).
import { LoadErrors } from './load-errors.js';

/** Bound on the teardown after a signal. */
const TEARDOWN_MS = 20_000;
/** 128 + SIGINT, as a shell reports an interrupted command. */
const EXIT_INTERRUPTED = 130;

/** Installs the handlers while a run holds resources; the returned function removes them. */
export function teardownOnSignals(teardown: () => Promise<void>, stream: NodeJS.WritableStream = process.stderr): () => void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    stream.write(`\nglass bench: ${LoadErrors.INTERRUPTED}: ${signal}, tearing down what the run started\n`);
    const bound = setTimeout(() => process.exit(EXIT_INTERRUPTED), TEARDOWN_MS);
    teardown()
      .catch((err: unknown) => stream.write(`glass bench: teardown failed: ${err instanceof Error ? err.message : String(err)}\n`))
      .finally(() => {
        clearTimeout(bound);
        process.exit(EXIT_INTERRUPTED);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

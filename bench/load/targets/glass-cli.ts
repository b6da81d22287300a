// Where the `glass` program is: the "bin" entry of this package's package.json, read at run time.
// A local cluster's nodes are `glass start` processes, run as an operator runs them: a program,
// not a module. bin/glass.ts loads the harness (`glass bench`), so bench does not import or name
// a file of bin/ in return; package.json is where the program is declared.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassError } from '../../../runtime/index.js';
import { LoadErrors } from '../load-errors.js';

/** This package's package.json (the source tree's root, from dist/bench/load/targets/). */
const PACKAGE_JSON = fileURLToPath(new URL('../../../../package.json', import.meta.url));
const PROGRAM = 'glass';

let found: string | null = null;

/** The absolute path of the `glass` program's script, to run with `process.execPath`. */
export function glassCliPath(): string {
  if (found !== null) return found;
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { name?: string; bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.[PROGRAM];
  if (bin === undefined) throw new GlassError(LoadErrors.LOCAL_CLUSTER_FAILED, `${PACKAGE_JSON} declares no "${PROGRAM}" program in "bin"`);
  found = resolve(dirname(PACKAGE_JSON), bin);
  return found;
}

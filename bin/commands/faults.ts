// glass faults [--quick] [--json] [--only case,case]: the fault and abuse suite (docs/RELIABILITY.md).
// Loaded only when it runs: the suite lives in bench/faults and is not part of a serving node.
import { parseCommandArgs, UsageError } from '../cli-args.js';

export interface FaultsArgs {
  quick: boolean;
  json: boolean;
  only: string[];
}

export function parseFaults(args: string[]): FaultsArgs {
  const { values } = parseCommandArgs(args, { quick: { type: 'boolean' }, json: { type: 'boolean' }, only: { type: 'string' } });
  const only = values.only === undefined ? [] : values.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (values.only !== undefined && only.length === 0) throw new UsageError('--only needs case names: --only worker-crash,redis-restart');
  return { quick: values.quick === true, json: values.json === true, only };
}

/** Exit 0 when every case passed, 1 when one failed, 2 on a usage error (an unknown case). */
export async function faults(args: FaultsArgs): Promise<number> {
  const suite = await import('../../bench/faults/suite.js');
  const known = suite.caseNames();
  const unknown = args.only.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown case ${unknown.join(', ')}; the cases: ${known.join(', ')}`);
  const summary = await suite.runFaultSuite({ quick: args.quick, only: args.only });
  process.stdout.write(suite.renderTable(summary));
  if (args.json) process.stdout.write(JSON.stringify(summary) + '\n');
  return summary.failed === 0 ? 0 : 1;
}

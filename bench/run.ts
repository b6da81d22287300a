// The benchmark CLI: `npm run bench -- <scenario> [--json] [options]`, `npm run bench -- --help`.
import { parseArgs } from 'node:util';
import { createProgress } from './support/progress.js';
import { renderReport, resultJson, writeResult } from './support/report.js';
import { describeOptions, resolveOptions, type Scenario } from './support/scenario.js';
import { connections } from './micro/connections.js';
import { crossNode } from './micro/cross-node.js';
import { crossWorker } from './micro/cross-worker.js';
import { failover } from './micro/failover.js';
import { inWorker } from './micro/in-worker.js';
import { memory } from './micro/memory.js';
import { rehydrate } from './micro/rehydrate.js';
import { rehydrateSave } from './micro/rehydrate-save.js';
import { rooms } from './rooms/scenario.js';
import { search } from './search/scenario.js';
import { turn } from './turn/scenario.js';

const SCENARIOS: readonly Scenario[] = [inWorker, crossWorker, memory, rehydrate, rehydrateSave, crossNode, failover, rooms, connections, turn, search];

function usage(): string {
  const lines = [
    'usage: npm run bench -- <scenario> [--json] [options]',
    '',
    'Runs one scenario: a progress bar on stderr, then a table and a chart; with --json the last',
    'line on stdout is the figures as one JSON object (the report goes to stderr). Every run is also',
    'written to bench/results/<scenario>-<timestamp>.json.',
    '',
    'common options:',
    '    --json                      print the figures as one JSON line on stdout',
    '    --help                      this text',
    '',
    'scenarios:',
  ];
  for (const s of SCENARIOS) lines.push(`  ${s.name}`, `    ${s.summary}`, ...describeOptions(s.options), '');
  return lines.join('\n');
}

/** Splits argv into the scenario name, the common flags and the scenario's `--name value` pairs. */
function parseCommandLine(argv: string[]): { name: string | undefined; json: boolean; help: boolean; given: Record<string, string> } {
  const known: Record<string, { type: 'string' | 'boolean'; short?: string }> = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const s of SCENARIOS) for (const [name, spec] of Object.entries(s.options)) known[name] = { type: spec.kind === 'flag' ? 'boolean' : 'string' };
  const { values, positionals } = parseArgs({ args: argv, options: known, strict: true, allowPositionals: true });
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (typeof value === 'string' || (value === true && name !== 'json' && name !== 'help')) given[name] = String(value);
  if (positionals.length > 1) throw new TypeError(`one scenario at a time (received ${positionals.join(', ')})`);
  return { name: positionals[0], json: values.json === true, help: values.help === true, given };
}

async function main(argv: string[]): Promise<number> {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage()}\n`);
    return 2;
  }
  if (command.help || command.name === undefined) {
    (command.help ? process.stdout : process.stderr).write(usage() + '\n');
    return command.help ? 0 : 2;
  }
  const scenario = SCENARIOS.find((s) => s.name === command.name);
  if (scenario === undefined) {
    process.stderr.write(`unknown scenario "${command.name}" (one of ${SCENARIOS.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  let options;
  try {
    options = resolveOptions(scenario, command.given);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }

  const result = await scenario.run(options, createProgress(scenario.name));
  const json = resultJson(result, options);
  const path = writeResult(json);
  // With --json, stdout carries only the JSON line; the report is for people, on stderr.
  const report = command.json ? process.stderr : process.stdout;
  report.write(renderReport(result) + `\nwritten to ${path}\n`);
  if (command.json) process.stdout.write(JSON.stringify(json) + '\n');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

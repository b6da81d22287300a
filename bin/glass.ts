#!/usr/bin/env node
// The `glass` command: dispatches to one file per command under bin/commands/ (help in bin/usage.ts).
import { runOpsCommand } from '../clients/index.js';
import { ErrorCodes, GlassError } from '../runtime/index.js';
import { UsageError } from './cli-args.js';
import { archiveCommand } from './commands/archive.js';
import { auditCommand } from './commands/audit.js';
import { backupCommand, restoreCommand } from './commands/backup.js';
import { devCommand, parseDev } from './commands/dev.js';
import { faults, parseFaults } from './commands/faults.js';
import { loreCommand } from './commands/lore.js';
import { mod, parseMod } from './commands/mod.js';
import { searchCommand } from './commands/search.js';
import { parseStart, start } from './commands/start.js';
import { parseToken, token } from './commands/token.js';
import { parseWorkflows, workflowsWorker } from './commands/workflows.js';
import { helpFor } from './help.js';
import { USAGE } from './usage.js';

async function main(argv: string[]): Promise<number> {
  const help = helpFor(argv);
  if (help !== null) {
    process.stdout.write(help);
    return 0;
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await start(parseStart(rest, process.env), process.env);
      return 0;
    case 'token':
      await token(parseToken(rest), process.env);
      return 0;
    case 'mod':
      await mod(parseMod(rest, process.env), process.env);
      return 0;
    case 'audit':
      return auditCommand(rest, process.env);
    case 'ops':
      return runOpsCommand(rest, process.env);
    case 'archive':
      return archiveCommand(rest, process.env);
    case 'backup':
      return backupCommand(rest, process.env);
    case 'restore':
      return restoreCommand(rest, process.env);
    case 'faults':
      return faults(parseFaults(rest));
    case 'workflows':
      return workflowsWorker(parseWorkflows(rest, process.env), process.env);
    case 'lore':
      return loreCommand(rest, process.env);
    case 'search':
      return searchCommand(rest, process.env);
    case 'dev':
      return devCommand(parseDev(rest), process.env);
    case 'bench':
      // Loaded only when it runs: the load harness is not part of a serving node.
      return (await import('../bench/load/command.js')).runBenchCommand(rest, process.env);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; try "glass help"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof GlassError && err.code === ErrorCodes.INVALID_OPTION)) {
      process.stderr.write(`glass: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    const code = err instanceof GlassError ? `${err.code}: ` : '';
    process.stderr.write(`glass: ${code}${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

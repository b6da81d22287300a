// --help and -h for every command, answered before the command runs: nothing is parsed, started,
// opened or written, whatever else argv holds. A flag after `--` is an argument, not a request.
import { UsageError } from './cli-args.js';
import { COMMANDS, USAGE } from './usage.js';

const HELP_FLAGS: ReadonlySet<string> = new Set(['--help', '-h']);

function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (HELP_FLAGS.has(arg)) return true;
  }
  return false;
}

/**
 * The help argv asks for: `glass`'s own (help, --help, -h), `glass help CMD`, or a command's
 * (`glass CMD [SUB] … --help`); null when it asks for none, or names a command this table does not
 * know (the dispatcher then runs it, or refuses it as unknown). A subcommand the command does not
 * have is a UsageError: its help would describe something that is not there.
 */
export function helpFor(argv: readonly string[]): string | null {
  const [command, ...rest] = argv;
  if (command === undefined) return null;
  if (HELP_FLAGS.has(command)) return USAGE;
  if (command === 'help') {
    const topic = rest[0];
    if (topic === undefined || HELP_FLAGS.has(topic)) return USAGE;
    if (!Object.hasOwn(COMMANDS, topic)) throw new UsageError(`unknown command ${JSON.stringify(topic)}; try "glass help"`);
    return COMMANDS[topic].usage;
  }
  if (!Object.hasOwn(COMMANDS, command) || !asksForHelp(rest)) return null;
  const { usage, subcommands } = COMMANDS[command];
  const sub = rest[0];
  if (subcommands !== undefined && sub !== undefined && !sub.startsWith('-') && !subcommands.includes(sub)) {
    throw new UsageError(`glass ${command} has no command ${JSON.stringify(sub)}: ${subcommands.join(', ')}`);
  }
  return usage;
}

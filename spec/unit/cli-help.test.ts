// glass --help and -h: every command and subcommand of the usage answers with its own text and exit
// 0, before anything runs: in an empty working directory nothing appears, and every service the
// environment names (a TCP listener of the test's own) is never connected to. Unknown options and
// commands are still refused with exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { UsageError } from '../../bin/cli-args.js';
import { helpFor } from '../../bin/help.js';
import { COMMANDS, USAGE } from '../../bin/usage.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

describe('glass --help', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'glass-cli-help-'));
  let listener: Server;
  let connections = 0;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const at = `127.0.0.1:${port}`;
    // Every service a command could reach points at the listener; HOME is the empty directory too.
    env = {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      GLASS_URL: `http://${at}`,
      COUCHDB_URL: `http://${at}`,
      REDIS_URL: `redis://${at}`,
      GLASS_PG_URL: `postgres://glass@${at}/glass`,
      MEILI_URL: `http://${at}`,
      GLASS_S3_URL: `http://${at}`,
      TEMPORAL_ADDRESS: at,
      GLASS_OPS_TOKEN: 'not-a-token',
      GLASS_MOD_TOKEN: 'not-a-token',
    };
  });

  after(async () => {
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    rmSync(cwd, { recursive: true, force: true });
  });

  function glass(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [GLASS, ...args], { cwd, env, encoding: 'utf8', timeout: 15_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function assertUntouched(): void {
    assert.deepEqual(readdirSync(cwd), [], 'nothing written in the working directory (no .data/)');
    assert.equal(connections, 0, 'no connection to any configured service');
  }

  test('every command the usage lists has its own help, and the other way round', () => {
    const list = USAGE.slice(USAGE.indexOf('Commands:\n') + 'Commands:\n'.length).split('\n\n')[0];
    const listed = list.split('\n').map((line) => line.trim().split(/\s+/)[0]).filter((name) => name !== 'help');
    assert.deepEqual([...listed].sort(), Object.keys(COMMANDS).sort());
  });

  test('glass help, --help and -h print the whole usage, exit 0', () => {
    for (const args of [['help'], ['-h']]) {
      const r = glass(args);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, USAGE);
      for (const command of Object.keys(COMMANDS)) assert.match(r.stdout, new RegExp(`glass ${command}\\b`));
    }
    assertUntouched();
  });

  for (const [command, { usage, subcommands }] of Object.entries(COMMANDS)) {
    test(`glass ${command} --help and -h print its usage, exit 0, with no side effect`, () => {
      assert.match(usage, new RegExp(`glass ${command}\\b`));
      const r = glass([command, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, usage);
      assert.equal(r.stderr, '');
      // Help wins over what the command would do with the rest: nothing is parsed or started.
      const busy = glass([command, ...(subcommands === undefined ? [] : [subcommands[0]]), '--port', '0', '--json', '-h']);
      assert.equal(busy.status, 0, busy.stderr);
      assert.equal(busy.stdout, usage);
      assertUntouched();
    });
    if (subcommands === undefined) continue;
    test(`glass ${command} ${subcommands.join('|')} --help: the command's usage, which names each`, () => {
      for (const sub of subcommands) {
        assert.equal(helpFor([command, sub, '--help']), usage);
        assert.equal(helpFor([command, sub, '--room', 'r1', '-h']), usage);
        // `glass ops help` is the ops client's own way of asking.
        if (sub !== 'help') assert.match(usage, new RegExp(`\\b${sub}\\b`), `the usage of glass ${command} names ${sub}`);
      }
      assert.throws(
        () => helpFor([command, 'no-such-command', '--help']),
        (err: unknown) => err instanceof UsageError && err.message.startsWith(`glass ${command} has no command "no-such-command"`),
      );
    });
  }

  test('glass CMD SUB --help from a shell, and a subcommand that does not exist', () => {
    const r = glass(['backup', 'now', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, COMMANDS.backup.usage);
    const gm = glass(['mod', 'gm-queue', '--help']);
    assert.equal(gm.status, 0, gm.stderr);
    assert.equal(gm.stdout, COMMANDS.mod.usage);
    const bogus = glass(['backup', 'no-such-command', '--help']);
    assert.equal(bogus.status, 2);
    assert.match(bogus.stderr, /^glass: glass backup has no command "no-such-command": now, list\n$/);
    assertUntouched();
  });

  test('unknown options and commands are still refused: exit 2, one line, nothing done', () => {
    for (const [args, message] of [
      [['faults', '--bogus'], /^glass: Unknown option '--bogus'/],
      [['start', '--bogus'], /^glass: Unknown option '--bogus'/],
      [['backup', 'now', '--bogus'], /^glass: Unknown option '--bogus'/],
      [['no-such-command'], /^glass: unknown command "no-such-command"/],
      [['no-such-command', '--help'], /^glass: unknown command "no-such-command"/],
    ] as const) {
      const r = glass([...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assertUntouched();
  });

  test('helpFor: --help after -- is an argument, not a request', () => {
    assert.equal(helpFor(['search', '--', '--help']), null);
    assert.equal(helpFor(['search', 'dragon', '--kind', 'lore']), null);
    assert.equal(helpFor(['search', 'dragon', '-h']), COMMANDS.search.usage);
    assert.equal(helpFor(['mod', 'mute', '--room', 'r1', '--help']), COMMANDS.mod.usage);
    assert.equal(helpFor([]), null);
    assert.equal(helpFor(['--help']), USAGE);
    assert.equal(helpFor(['help', 'restore']), COMMANDS.restore.usage);
    assert.throws(() => helpFor(['help', 'no-such-command']), /unknown command "no-such-command"/);
    // A command the table does not know is the dispatcher's to run or refuse.
    assert.equal(helpFor(['no-such-command', '--help']), null);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, resolve as resolvePath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { noBuiltinsImportFlag } from './fixtures/sdk-no-builtins.js';
import { startSdkServer, type SdkServer } from './fixtures/sdk-server.js';
import { tokenFor } from './tokens.js';
import { TestClient } from './ws-client.js';

const SDK_ENTRY = fileURLToPath(new URL('../../clients/sdk/index.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/sdk-browser-child.js', import.meta.url));
/** A child that has not finished by then has hung: fail rather than wait for the runner's timeout. */
const CHILD_DEADLINE_MS = 20_000;

/** Every module specifier a compiled ES module imports or re-exports, statically or dynamically. */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Walks the emitted files reachable from `entry` by relative imports; returns them and the bare specifiers they use. */
async function importGraph(entry: string): Promise<{ files: string[]; bare: Set<string> }> {
  const files: string[] = [];
  const bare = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (files.includes(file)) continue;
    files.push(file);
    for (const specifier of specifiersOf(await readFile(file, 'utf8'))) {
      if (specifier.startsWith('.')) todo.push(resolvePath(dirname(file), specifier));
      else bare.add(specifier);
    }
  }
  return { files, bare };
}

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], env: Record<string, string> = {}): { done: Promise<ChildRun> } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = setTimeout(() => child.kill('SIGKILL'), CHILD_DEADLINE_MS);
  const done = new Promise<ChildRun>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    }),
  );
  return { done };
}

describe('player SDK in a browser-like runtime', () => {
  let server: SdkServer;
  const clients: TestClient[] = [];

  before(async () => {
    server = await startSdkServer();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  test('the emitted SDK imports no Node builtin and no package but zod (the gateway, uWS and ws stay out)', async () => {
    const { files, bare } = await importGraph(SDK_ENTRY);
    assert.ok(files.some((f) => f.endsWith('/clients/sdk/client.js')) && files.some((f) => f.endsWith('/clients/protocol/index.js')), `the walk found the SDK (${files.length} files)`);
    assert.deepEqual([...bare].filter((s) => isBuiltin(s) || s.startsWith('node:')), [], 'no Node builtin');
    assert.deepEqual([...bare].sort(), ['zod'], 'only zod from outside the repository');
    assert.ok(!files.some((f) => /\/clients\/(gateway|connection|access-token|token-secret)\.js$/.test(f)), 'no server-side module');
  });

  test('the refusing loader works: a child importing a builtin under it fails', async () => {
    const run = await runNode(['--import', noBuiltinsImportFlag(), '--input-type=module', '-e', 'import "node:fs";']).done;
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /GLASS_TEST_BUILTIN_REFUSED: node:fs/);
  });

  test('the SDK runs on the WHATWG WebSocket of `node --experimental-websocket` with every builtin refused: connect, join, say, hear', async () => {
    const ben = await TestClient.connect(server.url, 'ben-b1');
    clients.push(ben);
    await ben.join('hall-b1');
    const child = runNode(['--experimental-websocket', '--no-warnings', '--import', noBuiltinsImportFlag(), CHILD], {
      GLASS_URL: server.url,
      GLASS_TOKEN: await tokenFor('ann-b1'),
      GLASS_ROOM: 'hall-b1',
    });
    const heard = await ben.next('said', (f) => f.line.from === 'ann-b1', CHILD_DEADLINE_MS);
    assert.equal(heard.line.text, 'from a WHATWG WebSocket');
    ben.send({ type: 'say', room: 'hall-b1', text: 'hello, browser' });
    const run = await child.done;
    assert.equal(run.code, 0, `the child succeeded (stderr: ${run.stderr})`);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; data: Record<string, unknown> });
    const of = (event: string): Record<string, unknown>[] => events.filter((e) => e.event === event).map((e) => e.data);
    assert.deepEqual(of('welcome'), [{ player: 'ann-b1', global: 'function' }]);
    assert.deepEqual(of('joined')[0]?.members, ['ben-b1', 'ann-b1']);
    assert.equal(of('line')[0]?.seq, 1);
    assert.deepEqual(of('said').map((l) => [l.seq, l.from, l.text]), [[1, 'ann-b1', 'from a WHATWG WebSocket'], [2, 'ben-b1', 'hello, browser']]);
    assert.deepEqual(of('closed'), ['closed']);
  });
});

// The SDK example (clients/sdk/example.ts) as docs/SDK.md describes it: it connects, joins, says
// hello, says what is typed, and ends on `/quit` while its input is still open.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { room, session } from '../../actors/index.js';
import { startGateway, type Gateway } from '../../clients/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { fixtureChunks, fixtureTurnService } from '../fixtures/turn-runner-fixtures.js';
import { TEST_KEYS, TEST_PAIR } from './tokens.js';

const EXAMPLE = fileURLToPath(new URL('../../clients/sdk/example.js', import.meta.url));
const DEADLINE_MS = 15_000;

/** Resolves when the child's stdout has printed a line matching `pattern`; rejects past the deadline. */
function printed(child: ChildProcess, out: { text: string }, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${DEADLINE_MS} ms; stdout: ${out.text}`)), DEADLINE_MS);
    const check = (): void => {
      if (!pattern.test(out.text)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve();
    };
    child.stdout!.on('data', check);
    check();
  });
}

describe('the SDK example', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let dataDir: string;
  let keyFile: string;
  let child: ChildProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'glass-e2e-example-'));
    node = await startDefaultNode({ workers: 1, logLevel: 'silent', services: { turns: fixtureTurnService() } }, { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir });
    // The example runs `glass token`, which signs with the issuer's private key: the test pair's, from a 0600 file.
    keyFile = join(dataDir, 'issuer.pem');
    await writeFile(keyFile, TEST_PAIR.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS });
  });

  after(async () => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    await gateway?.close();
    await node?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('says what is typed, and exits on /quit with its input still open', async () => {
    const url = `ws://127.0.0.1:${gateway.port}/ws`;
    child = spawn(process.execPath, [EXAMPLE, 'ex-alice', 'ex-ember', 'ex-lobby'], {
      env: { ...process.env, GLASS_URL: url, GLASS_TOKEN_PRIVATE_KEY_FILE: keyFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = { text: '' };
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out.text += chunk));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await printed(child, out, /<ex-alice> hello from the SDK example/);

    child.stdin!.write('typed line\n');
    await printed(child, out, /<ex-alice> typed line/);
    child.stdin!.write('/quit\n');
    // stdin stays open: the example must end on /quit alone.
    const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), DEADLINE_MS).unref())]);
    assert.equal(code, 0, `the example did not exit on /quit; stdout: ${out.text}`);

    // It left its room on the way out.
    assert.deepEqual((await room.ref(node, 'ex-lobby').ask({ type: 'members' })).members, []);
  });

  test('plays a session: /session joins, lines typed are turns, the narration is printed as it streams', async () => {
    const url = `ws://127.0.0.1:${gateway.port}/ws`;
    child = spawn(process.execPath, [EXAMPLE, 'ex-bea', 'ex-ash', 'ex-hall'], {
      env: { ...process.env, GLASS_URL: url, GLASS_TOKEN_PRIVATE_KEY_FILE: keyFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = { text: '' };
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out.text += chunk));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await printed(child, out, /<ex-bea> hello from the SDK example/);
    child.stdin!.write('/session ex-tale\n');
    await printed(child, out, /\[ex-tale\] joined: ex-bea/);
    child.stdin!.write('I open the door\n');
    await printed(child, out, /\[ex-tale\] turn 1 committed/);
    assert.ok(out.text.includes(fixtureChunks(1, 'I open the door').join('')), `the narration, chunk by chunk; stdout: ${out.text}`);
    child.stdin!.write('/quit\n');
    assert.equal(await exited, 0);
    assert.deepEqual((await session.ref(node, 'ex-tale').ask({ type: 'members' })).members, []);
  });
});

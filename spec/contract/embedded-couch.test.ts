import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedCouchError, startEmbeddedCouch, type EmbeddedCouchOptions } from '../../cluster/index.js';
import { tempDataDir } from './couch-harness.js';

const PARENT_FIXTURE = new URL('./fixtures/embedded-couch-parent.js', import.meta.url);

/** A zombie counts as gone: its parent died, and whoever adopted it may reap it late. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
}

/**
 * The server is a grandchild of this process once its parent is killed: there is no exit event
 * to wait on for a process that is not our child, so its liveness is polled, within a bound.
 */
async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const deadline = performance.now() + withinMs; performance.now() < deadline; await sleep(25)) if (!alive(pid)) return true;
  return !alive(pid);
}

describe('startEmbeddedCouch', () => {
  const dirs: { remove(): void }[] = [];
  const dataDir = (): string => {
    const dir = tempDataDir('embedded-couch');
    dirs.push(dir);
    return dir.path;
  };
  after(() => dirs.forEach((d) => d.remove()));

  test('serves the CouchDB protocol from a child process on 127.0.0.1; close() waits for its exit', async () => {
    const couch = await startEmbeddedCouch({ dataDir: dataDir() });
    try {
      assert.match(couch.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(couch.pid, process.pid);
      const welcome = (await (await fetch(couch.url)).json()) as Record<string, unknown>;
      assert.ok('version' in welcome);
      assert.equal((await fetch(`${couch.url}/somedb`, { method: 'PUT' })).status, 201);
      assert.equal((await fetch(`${couch.url}/somedb`, { method: 'PUT' })).status, 412);
    } finally {
      await couch.close();
    }
    assert.equal(alive(couch.pid), false);
    await couch.close();
  });

  test('a port in use fails the start with EmbeddedCouchError naming EADDRINUSE', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startEmbeddedCouch({ dataDir: dataDir(), port }), (err: unknown) => {
        assert.ok(err instanceof EmbeddedCouchError);
        assert.equal(err.code, 'GLASS_ERR_STORE_FAILED');
        assert.equal(err.details?.reason, 'EADDRINUSE');
        assert.match(err.message, /EADDRINUSE/);
        return true;
      });
    } finally {
      blocker.close();
    }
  });

  test('a dataDir in use by another server fails the start with DATA_DIR_LOCKED', async () => {
    const dir = dataDir();
    const first = await startEmbeddedCouch({ dataDir: dir });
    try {
      await assert.rejects(startEmbeddedCouch({ dataDir: dir }), { name: 'EmbeddedCouchError', details: { dataDir: dir, host: '127.0.0.1', port: 0, reason: 'DATA_DIR_LOCKED' } });
    } finally {
      await first.close();
    }
  });

  test('the server exits when its parent process dies, even by SIGKILL', async () => {
    const parent = spawn(process.execPath, [PARENT_FIXTURE.pathname, dataDir()], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      parent.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    assert.ok(alive(pid));
    parent.kill('SIGKILL');
    assert.ok(await gone(pid, 15_000), `server ${pid} outlived its parent`);
  });

  test('invalid options are refused with GLASS_ERR_INVALID_OPTION', async () => {
    const cases: [string, unknown][] = [
      ['dataDir', { dataDir: '' }],
      ['port', { dataDir: '/tmp/x', port: -1 }],
      ['port', { dataDir: '/tmp/x', port: 65_536 }],
      ['host', { dataDir: '/tmp/x', host: '' }],
      ['startTimeoutMs', { dataDir: '/tmp/x', startTimeoutMs: 0 }],
    ];
    for (const [option, options] of cases) {
      await assert.rejects(startEmbeddedCouch(options as EmbeddedCouchOptions), { code: 'GLASS_ERR_INVALID_OPTION', details: { option } }, option);
    }
  });
});

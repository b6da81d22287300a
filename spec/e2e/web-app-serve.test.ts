// How /app serves a bundle, on a bare uWS app (no node): only index.html and the listed files of
// assets/ with a known extension and a plain name; the bundle found by GLASS_WEB_DIR; a 503 that
// says how to build when there is none.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import uWS from 'uWebSockets.js';
import { WEB_CSP, findWebAppDir, loadWebBundle, mountWebApp } from '../../clients/web/index.js';

function get(port: number, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function serve(dir: string | null): Promise<{ port: number; close(): void }> {
  const app = uWS.App();
  mountWebApp(app, { dir });
  app.any('/*', (res) => void res.writeStatus('404 Not Found').end());
  return new Promise((resolve, reject) =>
    app.listen('127.0.0.1', 0, (socket) => {
      if (!socket) return reject(new Error('listen failed'));
      resolve({ port: uWS.us_socket_local_port(socket), close: () => uWS.us_listen_socket_close(socket) });
    }),
  );
}

describe('/app: what is served from a bundle directory', () => {
  let dir: string;
  let outside: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glass-web-bundle-'));
    outside = await mkdtemp(join(tmpdir(), 'glass-web-outside-'));
    await mkdir(join(dir, 'assets', 'nested'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/app/assets/app-ABCDEFGH.js"></script>');
    await writeFile(join(dir, 'assets', 'app-ABCDEFGH.js'), 'console.log(1)');
    await writeFile(join(dir, 'assets', 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(dir, 'assets', 'main.ts'), 'secret source');
    await writeFile(join(dir, 'assets', '.env'), 'SECRET=1');
    await writeFile(join(dir, 'assets', 'nested', 'x.js'), 'nested');
    await writeFile(join(outside, 'secret.js'), 'outside');
    await symlink(outside, join(dir, 'assets', 'linked.js'));
    await symlink(join(outside, 'secret.js'), join(dir, 'assets', 'leak.js'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  test('the bundle lists index.html and the plain files of assets/ with a known extension, nothing else (no symlink out)', () => {
    const bundle = loadWebBundle(dir);
    assert.deepEqual([...bundle.assets.keys()].sort(), ['app-ABCDEFGH.js', 'icon.svg']);
    assert.equal(bundle.assets.get('app-ABCDEFGH.js')?.immutable, true);
    assert.equal(bundle.assets.get('icon.svg')?.immutable, false);
  });

  test('GLASS_WEB_DIR names the bundle; a directory without index.html is passed over', async () => {
    assert.equal(findWebAppDir({ GLASS_WEB_DIR: dir }), dir);
    const empty = await mkdtemp(join(tmpdir(), 'glass-web-empty-'));
    try {
      // Not there: the next candidate is dist/app beside the module, which this fake module URL has none of.
      assert.equal(findWebAppDir({ GLASS_WEB_DIR: empty }, 'file:///nowhere/clients/web/web-assets.js'), null);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('serves the page and its files, with the CSP and their types; every other name is a 404', async () => {
    const server = await serve(dir);
    try {
      const page = await get(server.port, '/app');
      assert.equal(page.status, 200);
      assert.equal(page.headers['content-security-policy'], WEB_CSP);
      assert.equal(page.headers['x-frame-options'], 'DENY');
      const icon = await get(server.port, '/app/assets/icon.svg');
      assert.equal(icon.headers['content-type'], 'image/svg+xml');
      assert.equal(icon.headers['cache-control'], 'no-cache');
      assert.equal((await get(server.port, '/app/assets/app-ABCDEFGH.js')).headers['cache-control'], 'public, max-age=31536000, immutable');
      for (const path of ['/app/assets/main.ts', '/app/assets/.env', '/app/assets/nested/x.js', '/app/assets/nested%2Fx.js', '/app/assets/linked.js', '/app/assets/leak.js', '/app/assets/linked.js/secret.js', '/app/assets/..%2Findex.html', '/app/assets/__proto__', '/app/x']) {
        const res = await get(server.port, path);
        assert.equal(res.status, 404, path);
        assert.equal(res.headers['content-security-policy'], WEB_CSP, path);
        assert.doesNotMatch(res.body, /secret|outside|nested|SECRET/, path);
      }
    } finally {
      server.close();
    }
  });

  test('without a bundle /app answers 503 and says how to build it', async () => {
    const server = await serve(null);
    try {
      const res = await get(server.port, '/app');
      assert.equal(res.status, 503);
      assert.match(res.body, /npm run build/);
      assert.equal(res.headers['content-security-policy'], WEB_CSP);
      assert.equal((await get(server.port, '/app/assets/app-ABCDEFGH.js')).status, 404);
    } finally {
      server.close();
    }
  });
});

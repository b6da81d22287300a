import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CADDY = '/usr/bin/caddy';

/** The checkout's root, compiled (dist/spec/unit) or not (spec/unit). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'infra', 'caddy'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('infra/caddy not found above the test');
    dir = up;
  }
  return dir;
}

function validate(file: string, env: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    // From a foreign working directory: the import of routes.caddy must resolve beside the Caddyfile.
    execFile(CADDY, ['validate', '--config', file, '--adapter', 'caddyfile'], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ ok: err === null, output: `${stdout}${stderr}` });
    });
  });
}

const skip = existsSync(CADDY) ? false : 'caddy is not installed at /usr/bin/caddy (apt-get install caddy)';

test('Caddyfile.local validates with the dev topology environment', { skip }, async () => {
  const app = mkdtempSync(join(tmpdir(), 'glass-app-'));
  try {
    const r = await validate(join(repoRoot(), 'infra/caddy/Caddyfile.local'), {
      GLASS_EDGE_PORT: '18443',
      GLASS_UPSTREAMS: '127.0.0.1:18081 127.0.0.1:18082',
      GLASS_APP_DIR: app,
      GLASS_CADDY_ADMIN: '127.0.0.1:12019',
    });
    assert.equal(r.ok, true, r.output);
    assert.match(r.output, /Valid configuration/);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});

for (const tier of ['stage', 'prod']) {
  test(`Caddyfile.${tier} validates with a domain, an ACME email and upstreams`, { skip }, async () => {
    const r = await validate(join(repoRoot(), `infra/caddy/Caddyfile.${tier}`), {
      GLASS_DOMAIN: 'glass.example.com',
      ACME_EMAIL: 'ops@example.com',
      GLASS_UPSTREAMS: '10.0.0.1:8081 10.0.0.2:8081',
      GLASS_APP_DIR: '/srv/glass/app',
    });
    assert.equal(r.ok, true, r.output);
  });
}

test('the adapted local config proxies to every upstream, sticky by cookie, checked on /readyz', { skip }, async () => {
  const file = join(repoRoot(), 'infra/caddy/Caddyfile.local');
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), GLASS_EDGE_PORT: '18443', GLASS_UPSTREAMS: '127.0.0.1:18081 127.0.0.1:18082', GLASS_APP_DIR: '/nonexistent-app' };
  const json = await new Promise<string>((resolve, reject) => {
    execFile(CADDY, ['adapt', '--config', file, '--adapter', 'caddyfile'], { cwd: tmpdir(), env, timeout: 30_000 }, (err, stdout, stderr) => (err === null ? resolve(stdout) : reject(new Error(stderr))));
  });
  const text = JSON.stringify(JSON.parse(json));
  assert.match(text, /"dial":"127\.0\.0\.1:18081"/);
  assert.match(text, /"dial":"127\.0\.0\.1:18082"/);
  assert.match(text, /"policy":"cookie"/);
  assert.match(text, /"uri":"\/readyz"/);
  assert.match(text, /"127\.0\.0\.1:18443"/);
  // /metrics from outside is refused before the route that proxies it to the nodes.
  assert.ok(text.indexOf('"status_code":403') < text.indexOf('"handler":"reverse_proxy"'), 'the /metrics refusal comes first');
  assert.match(text, /"root":"\/nonexistent-app"/);
});

// Redis AUTH, ACL users and TLS reach every client the cluster opens: a private redis-server that
// asks for a password (and one on TLS only), a node without the password cannot join, one with it can.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEMORY_STORE, RedisStreamsTransport, startClusterNode, startOpsPublisher } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { Inbox, note } from '../contract/transport-harness.js';
import { freePort } from '../fixtures/redis-server.js';

const PASSWORD = 'glass-test-redis-password';
const ACL_USER = 'glassnode';
const ACL_PASSWORD = 'glass-test-acl-password';
const prefix = `glass-test-auth-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'glass-redis-auth-'));
const children: ChildProcess[] = [];
let port = 0;
let tlsPort = 0;
let tlsAvailable = true;

/** A redis-server with these arguments; resolves once it accepts connections. */
async function redisServer(args: string[]): Promise<void> {
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server not ready in 10 s:\n${log.slice(-1_000)}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${log.slice(-1_000)}`));
    });
  });
  child.removeAllListeners('exit');
  child.stdout!.resume();
  child.stderr!.resume();
}

before(async () => {
  port = await freePort();
  await redisServer(['--port', String(port), '--requirepass', PASSWORD, '--user', ACL_USER, 'on', `>${ACL_PASSWORD}`, `~${prefix}:*`, `&${prefix}:*`, '+@all']);
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    tlsPort = await freePort();
    await redisServer([
      '--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'),
      '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no', '--requirepass', PASSWORD,
    ]);
  } catch {
    tlsAvailable = false;
  }
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const nodes: GlassNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

function clusterNode(nodeId: string, redisUrl: string): Promise<GlassNode> {
  return startClusterNode({ nodeId, prefix, redisUrl, workers: 1, logLevel: 'silent', store: MEMORY_STORE, heartbeatMs: 100, downAfterMs: 1_000 });
}

test('a node without the Redis password cannot join; with the password, or as an ACL user, nodes join and talk', async () => {
  await assert.rejects(clusterNode('no-password', `redis://127.0.0.1:${port}`));
  await assert.rejects(clusterNode('wrong-password', `redis://:not-the-password@127.0.0.1:${port}`));
  const a = await clusterNode('with-password', `redis://:${PASSWORD}@127.0.0.1:${port}`);
  nodes.push(a);
  const b = await clusterNode('acl-user', `redis://${ACL_USER}:${ACL_PASSWORD}@127.0.0.1:${port}`);
  nodes.push(b);
  const deadline = Date.now() + 10_000;
  const both = (): boolean => ['with-password', 'acl-user'].every((id) => a.members().some((m) => m.id === id)) && b.members().some((m) => m.id === 'with-password');
  while (!both()) {
    if (Date.now() > deadline) throw new Error('the two nodes never saw each other');
    await new Promise((r) => setTimeout(r, 20));
  }
});

test('the streams and the ops presence take the password (and the ACL user) from the URL', async () => {
  const inbox = new Inbox();
  const receiver = new RedisStreamsTransport({ nodeId: 'auth-r', prefix, redis: `redis://:${PASSWORD}@127.0.0.1:${port}`, blockMs: 200 });
  const sender = new RedisStreamsTransport({ nodeId: 'auth-s', prefix, redis: `redis://${ACL_USER}:${ACL_PASSWORD}@127.0.0.1:${port}`, blockMs: 200 });
  const refused = new RedisStreamsTransport({ nodeId: 'auth-x', prefix, redis: `redis://127.0.0.1:${port}`, startTimeoutMs: 500 });
  try {
    await receiver.start(inbox.deliver);
    await sender.start(() => {});
    sender.send('auth-r', [note('room:a', null, 1)]);
    await inbox.until(1, 10_000);
    await assert.rejects(refused.start(() => {}));
  } finally {
    await Promise.all([receiver.close(), sender.close(), refused.close()]);
  }
  const ops = await startOpsPublisher({ redisUrl: `redis://${ACL_USER}:${ACL_PASSWORD}@127.0.0.1:${port}`, prefix, nodeId: 'auth-ops' });
  try {
    await ops.publish({ ok: true });
    assert.deepEqual([...(await ops.read(['auth-ops']))], [['auth-ops', { ok: true }]]);
  } finally {
    await ops.close();
  }
});

test('rediss:// reaches Redis over TLS, the certificate checked against GLASS_REDIS_CA_FILE', async (t) => {
  if (!tlsAvailable) return t.skip('redis-server without TLS, or no openssl');
  const url = `rediss://:${PASSWORD}@127.0.0.1:${tlsPort}`;
  // Without the CA the self-signed certificate is refused: TLS is verified, not merely on.
  const unverified = new RedisStreamsTransport({ nodeId: 'tls-x', prefix, redis: url, startTimeoutMs: 500 });
  await assert.rejects(unverified.start(() => {}));
  await unverified.close();
  process.env.GLASS_REDIS_CA_FILE = join(dir, 'cert.pem');
  try {
    const node = await clusterNode('over-tls', url);
    nodes.push(node);
    assert.ok(node.members().some((m) => m.id === 'over-tls'));
    const inbox = new Inbox();
    const receiver = new RedisStreamsTransport({ nodeId: 'tls-r', prefix, redis: url, blockMs: 200 });
    const sender = new RedisStreamsTransport({ nodeId: 'tls-s', prefix, redis: url, blockMs: 200 });
    try {
      await receiver.start(inbox.deliver);
      await sender.start(() => {});
      sender.send('tls-r', [note('room:a', null, 1)]);
      await inbox.until(1, 10_000);
    } finally {
      await Promise.all([receiver.close(), sender.close()]);
    }
  } finally {
    delete process.env.GLASS_REDIS_CA_FILE;
  }
});

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL, RedisMembership, type MemberChange, type MemberRecord, type MembershipStatus, type RedisMembershipOptions } from '../../cluster/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

/** A prefix no other test file (or run) shares, so parallel files never see each other's nodes. */
export function uniquePrefix(): string {
  return `glass-test:${randomUUID().slice(0, 8)}:`;
}

export function membership(prefix: string, nodeId: string, extra: Partial<RedisMembershipOptions> = {}): RedisMembership {
  return new RedisMembership({ nodeId, workers: 2, keyPrefix: prefix, redisUrl: REDIS_URL, ...extra });
}

export function ids(members: readonly MemberRecord[]): string[] {
  return members.map((m) => m.id);
}

/**
 * Resolves with the first change event of `m` that satisfies `match` (or at once if its current
 * members already do, when `match` looks only at members). The timeout is a bound on a failing
 * test, not a wait: a passing test resolves on the event.
 */
export function nextChange(
  m: RedisMembership,
  match: (members: MemberRecord[], change: MemberChange) => boolean,
  timeoutMs = 5_000,
): Promise<{ members: MemberRecord[]; change: MemberChange; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${m.nodeId}: no matching membership change within ${timeoutMs} ms (members ${ids(m.members()).join(',')})`));
    }, timeoutMs);
    const off = m.onChange((members, change) => {
      if (!match(members, change)) return;
      clearTimeout(timer);
      off();
      resolve({ members, change, at: Date.now() });
    });
  });
}

/** Resolves once `m` sees exactly `expected` as live members (now, or on a later change). */
export async function converged(m: RedisMembership, expected: string[], timeoutMs = 5_000): Promise<void> {
  const same = (members: readonly MemberRecord[]): boolean => ids(members).join() === expected.join();
  if (same(m.members())) return;
  await nextChange(m, (members) => same(members), timeoutMs);
}

export function nextStatus(m: RedisMembership, status: MembershipStatus, timeoutMs = 5_000): Promise<void> {
  if (m.status() === status) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${m.nodeId}: status did not become ${status} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = m.onStatus((s) => {
      if (s !== status) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Deletes every key under the prefix (heartbeat keys expire on their own; the hash may not yet). */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export { freePort } from '../fixtures/redis-server.js';

export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on ${port} not ready within 5 s`)), 5_000);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited with ${code}: ${out.slice(-500)}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

export async function killRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

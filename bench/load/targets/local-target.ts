// `glass bench run --local`: one node (embedded CouchDB in a temporary data directory) and its
// gateway on a free port of 127.0.0.1, signing with a fresh random key, in this process.
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTokenKeyPair, startGateway, type AuditLog } from '../../../clients/index.js';
import { startDefaultNode } from '../../../cluster/index.js';

export interface LocalTarget {
  url: string;
  nodeId: string;
  key: KeyObject;
  close(): Promise<void>;
}

/** Long enough that no room is passivated during a run. */
const IDLE_AFTER_MS = 3_600_000;

/** `audit`: the moderation audit log (bench/load/targets/local-audit.ts), opened and closed by the caller; none refuses overrides. */
export async function startLocalTarget(options: { workers: number; audit?: AuditLog | null }): Promise<LocalTarget> {
  const pair = generateTokenKeyPair();
  const key = pair.privateKey;
  const dataDir = await mkdtemp(join(tmpdir(), 'glass-bench-'));
  try {
    const node = await startDefaultNode(
      { nodeId: `bench-${process.pid}`, workers: options.workers, idleAfterMs: IDLE_AFTER_MS, logLevel: 'silent' },
      { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir },
    );
    try {
      const gateway = await startGateway({ node, port: 0, host: '127.0.0.1', tokenKey: pair.publicKey, audit: options.audit ?? null });
      return {
        url: `ws://127.0.0.1:${gateway.port}/ws`,
        nodeId: node.id,
        key,
        close: async () => {
          await gateway.close();
          await node.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      await node.close();
      throw err;
    }
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

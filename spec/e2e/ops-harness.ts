import { randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTokenKeyPair, publicKeyPem, resolveTokenPrivateKey, resolveTokenPublicKey, resolveTokenSecret, signAccessToken, startGateway, type Gateway, type Role } from '../../clients/index.js';
import { startDefaultNode } from '../../cluster/index.js';
import type { GlassNode } from '../../runtime/node/index.js';

export const GAME_ACTORS = new URL('../../actors/index.js', import.meta.url).href;
export const CRASH_ACTORS = new URL('../fixtures/crash-actors.js', import.meta.url).href;
/** The compiled `glass` command, next to this file's compiled form. */
export const GLASS_BIN = new URL('../../bin/glass.js', import.meta.url).pathname;

/**
 * Token keys as a deployment carries them: the node's public key in GLASS_TOKEN_PUBLIC_KEY, the
 * issuer's private key in a 0600 file (GLASS_TOKEN_PRIVATE_KEY_FILE, which `glass ops` signs with),
 * and the node-held resume secret in GLASS_TOKEN_SECRET.
 */
export function secretEnv(): NodeJS.ProcessEnv {
  const pair = generateTokenKeyPair();
  const file = join(mkdtempSync(join(tmpdir(), 'glass-ops-key-')), 'token-private-key.pem');
  writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { GLASS_TOKEN_PUBLIC_KEY: publicKeyPem(pair.publicKey), GLASS_TOKEN_PRIVATE_KEY_FILE: file, GLASS_TOKEN_SECRET: randomBytes(32).toString('base64') };
}

export interface OpsNode {
  node: GlassNode;
  gateway: Gateway;
  base: string;
  env: NodeJS.ProcessEnv;
  /** The issuer's private key (signs the harness's tokens). */
  key: KeyObject;
  token(roles: Role[], player?: string): Promise<string>;
  close(): Promise<void>;
}

/** A real node (2 workers, the game's kinds and the crash fixtures, embedded CouchDB) behind a real gateway. */
export async function startOpsNode(nodeId: string): Promise<OpsNode> {
  const env = secretEnv();
  const { key } = await resolveTokenPrivateKey(env);
  const tokenKey = (await resolveTokenPublicKey(env)).key;
  const resumeKey = (await resolveTokenSecret(env)).key;
  const dataDir = await mkdtemp(join(tmpdir(), 'glass-ops-'));
  const node = await startDefaultNode(
    { nodeId, workers: 2, logLevel: 'silent', actorModules: [GAME_ACTORS, CRASH_ACTORS] },
    { ...process.env, COUCHDB_URL: '', GLASS_DATA_DIR: dataDir },
  );
  const gateway = await startGateway({ node, port: 0, host: '127.0.0.1', tokenKey, resumeKey });
  return {
    node,
    gateway,
    base: `http://127.0.0.1:${gateway.port}`,
    env,
    key,
    token: (roles, player = 'op') => signAccessToken(key, { player, character: `${player}-c`, roles, ttlMs: 600_000 }),
    close: async () => {
      await gateway.close();
      await node.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** GETs (or POSTs `body` to) the node's API with a token; resolves with status and parsed body. */
export async function call(base: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (page, metrics)
  }
  return { status: res.status, body: parsed, text };
}

/**
 * Re-reads through `probe` until it returns a value: each round is a request to the node, so this
 * waits on the node's own progress, bounded by a deadline rather than a guess.
 */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

// The topology's keys, made once under D/secrets (0700, files 0600) and kept across ups: the token
// pair (nodes verify with the public key; `glass token` signs with the private one), the nodes'
// shared resume-token secret, cluster key and audit key. Made here, before any node starts, so that
// the nodes never race to create a shared file.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTokenKeyPair, publicKeyPem } from '../../../clients/index.js';

export interface DevSecrets {
  readonly dir: string;
  readonly tokenPrivateKeyFile: string;
  readonly tokenPublicKeyFile: string;
  readonly tokenSecretFile: string;
  readonly clusterKeyFile: string;
  readonly auditKeyFile: string;
}

export function ensureDevSecrets(root: string): DevSecrets {
  const dir = join(root, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const s: DevSecrets = {
    dir,
    tokenPrivateKeyFile: join(dir, 'token-private-key.pem'),
    tokenPublicKeyFile: join(dir, 'token-public-key.pem'),
    tokenSecretFile: join(dir, 'token-secret'),
    clusterKeyFile: join(dir, 'cluster-key'),
    auditKeyFile: join(dir, 'audit-key'),
  };
  if (!existsSync(s.tokenPrivateKeyFile) || !existsSync(s.tokenPublicKeyFile)) {
    const pair = generateTokenKeyPair();
    writeFileSync(s.tokenPrivateKeyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    writeFileSync(s.tokenPublicKeyFile, publicKeyPem(pair.publicKey), { mode: 0o600 });
  }
  for (const file of [s.tokenSecretFile, s.clusterKeyFile, s.auditKeyFile]) {
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return s;
}

/** The variables every node gets for its keys. */
export function secretsEnv(s: DevSecrets): Record<string, string> {
  return {
    GLASS_TOKEN_PUBLIC_KEY_FILE: s.tokenPublicKeyFile,
    GLASS_TOKEN_SECRET_FILE: s.tokenSecretFile,
    GLASS_CLUSTER_KEY_FILE: s.clusterKeyFile,
    GLASS_AUDIT_KEY_FILE: s.auditKeyFile,
  };
}

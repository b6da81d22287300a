import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, test } from 'node:test';
import { AuditKey, resolveAuditKey } from '../../clients/index.js';

describe('audit key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-audit-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('from GLASS_AUDIT_KEY (at least 32 characters), else a 0600 file created once', () => {
    const key = resolveAuditKey({ GLASS_AUDIT_KEY: 'k'.repeat(32), GLASS_TOKEN_SECRET: 't'.repeat(32) });
    assert.equal(key.source, 'env');
    assert.equal(key.mac('x'), AuditKey.of('k'.repeat(32)).mac('x'));
    assert.throws(() => resolveAuditKey({ GLASS_AUDIT_KEY: 'short' }), { code: 'GLASS_ERR_AUDIT_KEY', message: /GLASS_AUDIT_KEY must be at least 32/ });

    const file = join(dir, 'audit-key');
    const env = { GLASS_AUDIT_KEY_FILE: file, GLASS_TOKEN_SECRET_FILE: join(dir, 'no-token-secret') };
    const made = resolveAuditKey(env);
    assert.equal(made.source, 'generated');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = resolveAuditKey(env);
    assert.equal(again.source, 'file');
    assert.equal(again.mac('row'), made.mac('row'));
    chmodSync(file, 0o644);
    assert.throws(() => resolveAuditKey(env), { code: 'GLASS_ERR_AUDIT_KEY', message: /readable by others/ });
  });

  test('the token key is refused, and the key is never shown', () => {
    const same = 's'.repeat(40);
    assert.throws(() => resolveAuditKey({ GLASS_AUDIT_KEY: same, GLASS_TOKEN_SECRET: same }), { code: 'GLASS_ERR_AUDIT_KEY', message: /must not be the token key/ });
    const tokenFile = join(dir, 'token-secret');
    writeFileSync(tokenFile, same + '\n', { mode: 0o600 });
    assert.throws(() => resolveAuditKey({ GLASS_AUDIT_KEY: same, GLASS_TOKEN_SECRET_FILE: tokenFile }), { code: 'GLASS_ERR_AUDIT_KEY' });
    const key = resolveAuditKey({ GLASS_AUDIT_KEY: 'q'.repeat(48), GLASS_TOKEN_SECRET_FILE: tokenFile });
    assert.doesNotMatch(JSON.stringify({ key }) + inspect(key, { showHidden: true }), /qqqq/);
    assert.match(readFileSync(tokenFile, 'utf8'), /^s+\n$/);
  });
});

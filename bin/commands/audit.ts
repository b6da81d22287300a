// glass audit verify: walks the moderation audit chain with the audit key and checks it against the
// anchor kept outside PostgreSQL, and against the audit export (the `glass-audit` bucket of the
// ObjectStore configuration, docs/BACKUP.md) when there is one: a row changed or removed in
// PostgreSQL after it was exported is named by its id (exit 3). Without GLASS_PG_URL it reads the embedded PostgreSQL of this
// directory (GLASS_PG_DATA_DIR, default .data/pg): through the node serving it, or opened itself. Exit 0 ok, 3 tampered (the kind and the row named), 4 no anchor
// to check a deleted tail or an emptied table against, 1 cannot verify (PostgreSQL, key, anchor).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AUDIT_EXPORT_BUCKET,
  AuditExport,
  AuditErrors,
  AuditKeyError,
  AuditLog,
  DEFAULT_AUDIT_KEY_FILE,
  FileAuditAnchor,
  auditUrlFromEnv,
  describePgUrl,
  resolveAuditKey,
  type AuditStatus,
} from '../../clients/index.js';
import { DEFAULT_PG_DATA_DIR, createObjectStore, objectStoreConfigForBucket, objectStoreConfigFromEnv, startNodePostgres, type NodePostgres } from '../../cluster/index.js';
import { GlassError, createLogger } from '../../runtime/index.js';
import { UsageError, parseCommandArgs } from '../cli-args.js';

/** Exit codes of `glass audit verify` (docs/OPS.md). */
export const AUDIT_EXIT = { OK: 0, FAILED: 1, USAGE: 2, TAMPERED: 3, UNANCHORED: 4 } as const;

export async function auditCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { anchor: { type: 'string' } }, true);
  if (positionals.length !== 1 || positionals[0] !== 'verify') throw new UsageError('usage: glass audit verify [--anchor FILE]');
  const dataDir = resolve(env.GLASS_PG_DATA_DIR || DEFAULT_PG_DATA_DIR);
  if (auditUrlFromEnv(env) === undefined && !existsSync(join(dataDir, 'data'))) {
    throw new UsageError(`glass audit verify needs GLASS_PG_URL (or DATABASE_URL), or an embedded PostgreSQL here (${dataDir} has none)`);
  }
  // Verifying never creates a key: a new key would call every row altered.
  const keyFile = resolve(env.GLASS_AUDIT_KEY_FILE || DEFAULT_AUDIT_KEY_FILE);
  if (!env.GLASS_AUDIT_KEY && !existsSync(keyFile)) throw new AuditKeyError(`no audit key: set GLASS_AUDIT_KEY or GLASS_AUDIT_KEY_FILE (${keyFile} does not exist)`);
  const key = resolveAuditKey(env);
  const schema = env.GLASS_PG_SCHEMA || 'public';
  const anchor = values.anchor !== undefined && values.anchor !== '' ? new FileAuditAnchor(values.anchor) : FileAuditAnchor.fromEnv(schema, env);
  const postgres: NodePostgres = await startNodePostgres(env, { shareRunning: true });
  const url = postgres.url;
  const log = AuditLog.open({ url, schema, key, anchor, verifyOnly: true, logger: createLogger('glass', 'silent'), retry: { minMs: 60_000 }, after: postgres.ready });
  try {
    const status = await new Promise<AuditStatus>((resolveStatus) => {
      if (log.status !== 'connecting') return resolveStatus(log.status);
      const off = log.onStatus((s) => {
        off();
        resolveStatus(s);
      });
    });
    if (status !== 'ready') throw new GlassError(AuditErrors.UNAVAILABLE, `PostgreSQL at ${describePgUrl(url)} is unreachable`);
    const { verdict, anchor: anchored, where } = await log.verifyAnchored();
    const store = createObjectStore(objectStoreConfigForBucket(objectStoreConfigFromEnv(env), AUDIT_EXPORT_BUCKET));
    let exported: Awaited<ReturnType<AuditExport['compare']>>;
    try {
      exported = await new AuditExport(log, store).compare();
    } finally {
      await store.close();
    }
    if (exported !== null) {
      if (!exported.verdict.ok) {
        process.stdout.write(`export tampered: row ${exported.verdict.id} ${exported.verdict.kind} (${exported.verdict.detail})\n`);
        return AUDIT_EXIT.TAMPERED;
      }
      if (exported.changed.length > 0 || exported.missing.length > 0) {
        const named = [...exported.changed.map((id) => `row ${id} changed`), ...exported.missing.map((id) => `row ${id} missing`)].sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1]));
        process.stdout.write(`changed after export: ${named.slice(0, 100).join(', ')}${named.length > 100 ? ` and ${named.length - 100} more` : ''}\n`);
        return AUDIT_EXIT.TAMPERED;
      }
    }
    if (!verdict.ok) {
      process.stdout.write(`tampered: row ${verdict.id} ${verdict.kind} (${verdict.detail}); ${verdict.rows} rows before it are intact\n`);
      return AUDIT_EXIT.TAMPERED;
    }
    if (anchored === null && verdict.rows > 0) {
      process.stdout.write(`unanchored: ${verdict.rows} rows verify, but there is no anchor (${where}): a deleted tail or an emptied table cannot be seen\n`);
      return AUDIT_EXIT.UNANCHORED;
    }
    process.stdout.write(`ok: ${verdict.rows} rows, head ${verdict.head.id} ${verdict.head.hash}\n`);
    if (exported !== null) process.stdout.write(`export: ${exported.exported} rows, as PostgreSQL holds them\n`);
    return AUDIT_EXIT.OK;
  } finally {
    await log.close();
    await postgres.close();
  }
}

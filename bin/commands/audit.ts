// glass audit verify: walks the moderation audit chain; exit 3 at the first row tampered with.
import { AuditErrors, AuditLog, auditUrlFromEnv, describePgUrl, type AuditStatus } from '../../clients/index.js';
import { GlassError, createLogger } from '../../runtime/index.js';
import { UsageError } from '../cli-args.js';

export async function auditCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (args.length !== 1 || args[0] !== 'verify') throw new UsageError('usage: glass audit verify');
  const url = auditUrlFromEnv(env);
  if (url === undefined) throw new UsageError('glass audit verify needs GLASS_PG_URL (or DATABASE_URL)');
  const log = AuditLog.open({ url, schema: env.GLASS_PG_SCHEMA || undefined, logger: createLogger('glass', 'silent'), retry: { minMs: 60_000 } });
  try {
    const status = await new Promise<AuditStatus>((resolve) => {
      if (log.status !== 'connecting') return resolve(log.status);
      const off = log.onStatus((s) => {
        off();
        resolve(s);
      });
    });
    if (status !== 'ready') throw new GlassError(AuditErrors.UNAVAILABLE, `PostgreSQL at ${describePgUrl(url)} is unreachable`);
    const verdict = await log.verify();
    if (verdict.ok) {
      process.stdout.write(`ok: ${verdict.rows} rows, head ${verdict.head.id} ${verdict.head.hash}\n`);
      return 0;
    }
    process.stdout.write(`tampered: row ${verdict.id} ${verdict.kind} (${verdict.detail}); ${verdict.rows} rows before it are intact\n`);
    return 3;
  } finally {
    await log.close();
  }
}

// PostgreSQL (the moderation audit log) out of reach behind the suite's TCP proxy: overrides are
// refused typed while it is down, nothing is applied unaudited, and overrides work once it is back.
import { Checks, type FaultCase } from '../case.js';
import { GlassProcess } from '../support/glass-process.js';
import { tokenEnv, tokenFor } from '../support/keys.js';
import { pgQuery } from '../support/resources.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { postJson, until } from '../support/wait.js';
import { WsPlayer } from '../support/ws-player.js';

let unique = 0;
const id = (label: string): string => `${label}-${Date.now().toString(36)}-${++unique}`;

const pgDown: FaultCase = {
  name: 'postgres-down',
  expected: 'the audit log\'s PostgreSQL unreachable: overrides refused 503 GLASS_ERR_AUDIT_UNAVAILABLE, none applied; reachable again, an override is applied and audited',
  async run(ctx) {
    const checks = new Checks();
    const url = await ctx.resources.pgUrl();
    if (url === null) return checks.check(false, 'no PostgreSQL reachable'), checks.outcome();
    const target = new URL(url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    ctx.resources.onClose(() => proxy.close());
    const via = new URL(url);
    via.port = String(proxy.port);
    const schema = ctx.resources.schema('pgdown');
    const node = await GlassProcess.start('pgdown', { ...tokenEnv(), GLASS_PG_URL: via.toString(), GLASS_PG_SCHEMA: schema }, { workers: 1 });
    ctx.resources.onClose(() => node.stop());
    const moderator = id('mod');
    const token = await tokenFor(moderator, ['moderator']);
    const room = id('audited');
    const p = await WsPlayer.connect(node.ws, id('player'));
    try {
      await p.join(room);
      checks.check((await p.say(room, 'before')) === 'said', 'the room takes lines');
      ctx.note('PostgreSQL down');
      proxy.down();
      const n = ctx.quick ? 2 : 10;
      const refused: string[] = [];
      let resets = 0;
      for (let i = 0; i < n; i++) {
        const body = { room, command: 'lock', reason: `while down ${i}` };
        // A connection reset before any answer (seen in 2 of 4 CI runs, cause not found; the node
        // answered the next request) is sent once more and reported: if the node had died, the
        // retry fails too, and an override applied twice would show in the audit rows checked below.
        const r = await postJson(`${node.http}/api/overrides`, token, body).catch(async (err: unknown) => {
          if (!/ECONNRESET|other side closed|socket hang up/i.test(String((err as { cause?: { code?: string; message?: string } })?.cause?.code ?? (err as Error)?.cause ?? ''))) throw err;
          resets++;
          return postJson(`${node.http}/api/overrides`, token, body);
        });
        refused.push(`${r.status} ${r.body?.code}`);
      }
      if (resets > 0) checks.see(`${resets} connection reset(s) before an answer, sent again`);
      checks.check(refused.every((r) => r === '503 GLASS_ERR_AUDIT_UNAVAILABLE'), `${n} overrides while down: ${[...new Set(refused)].join(', ')}`);
      checks.check((await p.say(room, 'still unlocked')) === 'said', 'none applied: the room still takes lines');
      ctx.note('PostgreSQL up');
      proxy.up();
      const t0 = performance.now();
      const applied = await until('an override applied after up()', async () => {
        const r = await postJson(`${node.http}/api/overrides`, token, { room, command: 'lock', reason: 'after up' });
        return r.status >= 200 && r.status < 300 ? r : undefined;
      }, 20_000, 200);
      const recoveryMs = Math.round(performance.now() - t0);
      checks.see(`override applied after up (${applied.status})`);
      // Exactly one override was answered 2xx: exactly one accepted row, none for those refused while down.
      const rows = (await pgQuery(url, `SELECT outcome FROM "${schema}".glass_audit_log WHERE moderator = $1 ORDER BY id`, [moderator])).rows as { outcome: string }[];
      const accepted = rows.filter((r) => r.outcome === 'accepted').length;
      checks.check(accepted === 1, `${accepted} accepted audit row (of ${rows.length} for the moderator)`);
      return checks.outcome({ recoveryMs });
    } finally {
      await p.close();
      await node.stop();
      await proxy.close();
    }
  },
};

export const AUDIT_CASES: FaultCase[] = [pgDown];

// A node of the topology as a supervised service (tier 1: stopped after the edge, before the
// stores): `glass start` on a port chosen once (a restart keeps it, so Caddy's fixed upstream list
// stays right), in D/node-i, its output in D/logs/node-i.log. Ready: /readyz answers 200; at the
// first start also every node of the topology in its membership (a restart rejoins on its own).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChildService, childIncarnation } from './child-service.js';
import { logOffset, waitForLogLine } from './node-logs.js';
import { probe } from './probes.js';
import type { Until } from './store-services.js';
import type { ServiceDef } from './supervised-service.js';

export const NODE_TIER = 1;
/** Long enough for a node's drain (it saves its actors). */
const NODE_GRACE_MS = 10_000;

export interface NodeStart {
  readonly dir: string;
  readonly id: string;
  /** Every node's id: the first start waits until this one sees them all. */
  readonly ids: readonly string[];
  readonly port: number;
  readonly workers: number;
  readonly cluster: string;
  readonly idleMs: string;
  readonly env: NodeJS.ProcessEnv;
  readonly glassCli: string;
  readonly setpriv: string;
  readonly until: Until;
  readonly readyTimeoutMs: number;
}

export function nodeDef(o: NodeStart): ServiceDef {
  const home = join(o.dir, o.id);
  const log = join(o.dir, 'logs', `${o.id}.log`);
  let offset = 0;
  return {
    name: o.id,
    kind: 'node',
    tier: NODE_TIER,
    graceMs: NODE_GRACE_MS,
    restartable: true,
    spawn: async () => {
      mkdirSync(home, { recursive: true });
      offset = logOffset(log);
      const args = [o.glassCli, 'start', '--port', String(o.port), '--host', '127.0.0.1', '--workers', String(o.workers), '--node-id', o.id, '--cluster', o.cluster, '--idle-ms', o.idleMs];
      const child = new ChildService(o.id, process.execPath, args, { env: o.env, cwd: home, log, setpriv: o.setpriv });
      return childIncarnation(child, o.port, `http://127.0.0.1:${o.port}`);
    },
    ready: async (i, restart) => {
      if (!restart) {
        const members = (e: Record<string, unknown>): boolean => Array.isArray(e.members) && o.ids.every((id) => (e.members as unknown[]).includes(id));
        await waitForLogLine(o.until, log, offset, `${o.id} seeing every node of the cluster`, members, o.readyTimeoutMs);
      }
      await o.until(`${o.id} /readyz`, async () => ((await probe({ name: o.id, kind: 'node', pid: i.pid, port: i.port, url: i.url })).up ? true : undefined), o.readyTimeoutMs, 100);
    },
  };
}

import { parseArgs } from 'node:util';
import { ProtocolErrors } from '../protocol/index.js';
import { resolveTokenPrivateKey, signAccessToken } from '../tokens/index.js';
import type { ActionResult } from './ops-actions.js';
import { renderTop, renderTree } from './ops-render.js';
import type { ActorRow, DrainPreview } from './ops-view.js';
import type { ClusterView } from './ops-view.js';

export const OPS_USAGE = `Usage: glass ops <command> [options]

Commands:
  tree                         The supervision trees of the whole cluster, as a tree (a snapshot)
  top                          A refreshing view of the actors with the deepest mailboxes (or most restarts)
  passivate KIND ID            Passivate an actor (state saved)
  restart KIND ID              Restart an actor from its stored state (also a stopped or quarantined one)
  redrive NODE QUARANTINE-ID   Send a quarantined message to its actor again
  drop NODE QUARANTINE-ID      Discard a quarantined message
  drain-worker NODE THREAD     Passivate every actor of a worker
  crash-worker NODE THREAD     Chaos: end a worker thread as a crash would (needs --yes); it is restarted
  drain-node NODE              Show what would move if NODE left; with --yes, hand its actors over and stop it

Options:
  --url URL          The node's HTTP API [GLASS_URL] (default http://127.0.0.1:$PORT, PORT default 9001)
  --token T          An access token with the ops role [GLASS_OPS_TOKEN]; default: one minted for
                     5 minutes from the token key, found as \`glass token\` finds it
  --json             Print the JSON the API returned (tree, actions)
  --node ID          tree: only this node
  --sort S           top: mailbox (default) or restarts
  --limit N          top: rows (default 20)
  --interval T       top: refresh period, e.g. 2s (default 2s)
  --frames N         top: stop after N frames (default: until Ctrl-C; 1 when not on a terminal)
  --yes              drain-node, crash-worker: do it
`;

class OpsUsageError extends Error {}

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
}

interface HttpError extends Error {
  code: string;
}

/** `glass ops …`: talks to a running node's ops API; resolves with the exit code (0, 1 failure, 2 usage). */
export async function runOpsCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env, io: Io = process): Promise<number> {
  try {
    return await run([...args], env, io);
  } catch (err) {
    if (err instanceof OpsUsageError) {
      io.stderr.write(`glass ops: ${err.message}\n`);
      return 2;
    }
    const code = (err as Partial<HttpError>).code;
    io.stderr.write(`glass ops: ${code !== undefined ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function run(args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean' },
        node: { type: 'string' },
        sort: { type: 'string' },
        limit: { type: 'string' },
        interval: { type: 'string' },
        frames: { type: 'string' },
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new OpsUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    io.stdout.write(OPS_USAGE);
    return 0;
  }
  if (command === undefined) throw new OpsUsageError('a command is needed: tree, top, passivate, restart, redrive, drop, drain-worker, crash-worker or drain-node (see glass ops help)');
  const base = baseUrl(values.url ?? env.GLASS_URL, env);
  const api = new OpsClient(base, await tokenFor(values.token ?? env.GLASS_OPS_TOKEN, env));
  const arity = (n: number, what: string): string[] => {
    if (rest.length !== n) throw new OpsUsageError(`${command} takes ${what}`);
    return rest;
  };
  switch (command) {
    case 'tree': {
      arity(0, 'no arguments');
      const view = (await api.get('/ops/api/view')) as ClusterView;
      if (values.node !== undefined && !view.nodes.some((n) => n.node === values.node)) throw new OpsUsageError(`no report from node ${JSON.stringify(values.node)}`);
      io.stdout.write(values.json ? JSON.stringify(view, null, 2) + '\n' : renderTree(view, { node: values.node }));
      return 0;
    }
    case 'top': {
      arity(0, 'no arguments');
      const sort = values.sort ?? 'mailbox';
      if (sort !== 'mailbox' && sort !== 'restarts') throw new OpsUsageError('--sort must be mailbox or restarts');
      const limit = integer('--limit', values.limit ?? '20', 1, 500);
      const intervalMs = duration('--interval', values.interval ?? '2s');
      const frames = values.frames !== undefined ? integer('--frames', values.frames, 1, 1_000_000) : io.stdout.isTTY ? Infinity : 1;
      let stopped = false;
      const stop = (): void => void (stopped = true);
      process.once('SIGINT', stop);
      try {
        for (let i = 0; i < frames && !stopped; i++) {
          const r = (await api.get(`/ops/api/top?${new URLSearchParams({ sort, limit: String(limit) })}`)) as { actors: ActorRow[]; view: ClusterView };
          if (io.stdout.isTTY) io.stdout.write('\x1b[H\x1b[2J');
          io.stdout.write(renderTop(r.view, r.actors, sort, io.stdout.columns ?? 120));
          if (i + 1 < frames) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      } finally {
        process.off('SIGINT', stop);
      }
      return 0;
    }
    case 'passivate':
    case 'restart': {
      const [kind, id] = arity(2, 'KIND ID');
      return printAction(io, values.json === true, await api.post({ action: command, kind, id }));
    }
    case 'redrive':
    case 'drop': {
      const [node, quarantineId] = arity(2, 'NODE QUARANTINE-ID');
      return printAction(io, values.json === true, await api.post({ action: command, node, quarantineId }));
    }
    case 'drain-worker':
    case 'crash-worker': {
      const [node, thread] = arity(2, 'NODE THREAD');
      if (command === 'crash-worker' && !values.yes) throw new OpsUsageError('crash-worker ends a worker thread as a crash would: add --yes to do it');
      return printAction(io, values.json === true, await api.post({ action: command, node, thread: integer('THREAD', thread, 1, 256) }));
    }
    case 'drain-node': {
      const [node] = arity(1, 'NODE');
      const preview = (await api.get(`/ops/api/drain-preview?${new URLSearchParams({ node })}`)) as DrainPreview;
      io.stdout.write(`${preview.moved} of ${preview.total} actors in memory on ${node} would move to ${preview.remaining.join(', ')}\n`);
      for (const [id, f] of Object.entries(preview.byNode)) io.stdout.write(`  ${id}: out ${f.out}, in ${f.in}\n`);
      if (!values.yes) {
        io.stdout.write('nothing done: add --yes to drain the node\n');
        return 0;
      }
      return printAction(io, values.json === true, await api.post({ action: command, node }));
    }
    default:
      throw new OpsUsageError(`unknown ops command ${JSON.stringify(command)}; try "glass ops help"`);
  }
}

function printAction(io: Io, json: boolean, result: unknown): number {
  const r = result as ActionResult;
  io.stdout.write(json ? JSON.stringify(r, null, 2) + '\n' : `${r.action} on ${r.node}: ${r.done ? 'done' : 'nothing to do'}${r.auditRef === null ? '' : ` (audit ${r.auditRef})`}${Object.keys(r.detail).length > 0 ? ' ' + JSON.stringify(r.detail) : ''}\n`);
  return 0;
}

/** A client of one node's ops API. The token goes in the Authorization header only, never in a URL or a message. */
class OpsClient {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  get(path: string): Promise<unknown> {
    return this.#call(path, { method: 'GET' });
  }

  post(action: unknown): Promise<unknown> {
    return this.#call('/ops/api/actions', { method: 'POST', body: JSON.stringify(action) });
  }

  async #call(path: string, init: RequestInit): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.base + path, { ...init, headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' } });
    } catch (err) {
      throw Object.assign(new Error(`cannot reach ${this.base}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`), { code: ProtocolErrors.OPS_UNREACHABLE });
    }
    const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    if (!res.ok) throw Object.assign(new Error(body?.message ?? `HTTP ${res.status}`), { code: body?.code ?? `HTTP_${res.status}` });
    return body;
  }
}

function baseUrl(raw: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = raw ?? `http://127.0.0.1:${env.PORT || 9001}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OpsUsageError('--url must be an http:// or https:// URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OpsUsageError('--url must be an http:// or https:// URL');
  return parsed.origin;
}

async function tokenFor(given: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (given !== undefined && given !== '') return given;
  const signing = await resolveTokenPrivateKey(env);
  return signAccessToken(signing.key, { player: 'ops-cli', character: 'ops-cli', roles: ['ops'], ttlMs: 5 * 60_000 });
}

function integer(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) throw new OpsUsageError(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

function duration(name: string, raw: string): number {
  const m = /^(\d{1,7})(ms|s|m)?$/.exec(raw.trim());
  const ms = m === null ? NaN : Number(m[1]) * ({ ms: 1, s: 1_000, m: 60_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm'];
  if (!Number.isSafeInteger(ms) || ms < 200 || ms > 3_600_000) throw new OpsUsageError(`${name} must be a duration from 200ms to 60m such as 2s`);
  return ms;
}

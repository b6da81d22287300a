// glass mod: one moderator override through a gateway's HTTP API; prints its audit ref.
import { ModeratorClient, OverrideRequest, resolveTokenPrivateKey, signAccessToken } from '../../clients/index.js';
import { integerArg, parseCommandArgs, UsageError } from '../cli-args.js';

export interface ModConfig {
  /** An override, or the human GM queue: list it, or take a session's item. */
  request: OverrideRequest | { gm: 'list' } | { gm: 'take'; session: string };
  url: string;
  token: string | undefined;
  as: string | undefined;
}

export function parseMod(args: string[], env: NodeJS.ProcessEnv): ModConfig {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      room: { type: 'string' },
      session: { type: 'string' },
      player: { type: 'string' },
      seq: { type: 'string' },
      text: { type: 'string' },
      reason: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      as: { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('glass mod takes one command: mute, unmute, kick, pause, resume, lock, unlock, redact, narrate, note, gm-queue or gm-take');
  const url = values.url ?? env.GLASS_URL ?? 'http://127.0.0.1:9001';
  const token = values.token ?? (env.GLASS_MOD_TOKEN || undefined);
  if (token === undefined && values.as === undefined) throw new UsageError('glass mod needs --token (or GLASS_MOD_TOKEN), or --as ID to sign a moderator token with the local key');
  if (positionals[0] === 'gm-queue') return { request: { gm: 'list' }, url, token, as: values.as };
  if (positionals[0] === 'gm-take') {
    if (values.session === undefined) throw new UsageError('glass mod gm-take needs --session ID');
    return { request: { gm: 'take', session: values.session }, url, token, as: values.as };
  }
  const raw = {
    command: positionals[0],
    ...(values.room !== undefined && { room: values.room }),
    ...(values.session !== undefined && { session: values.session }),
    ...(values.player !== undefined && { player: values.player }),
    ...(values.seq !== undefined && { seq: integerArg('--seq', values.seq, 1, Number.MAX_SAFE_INTEGER) }),
    ...(values.text !== undefined && { text: values.text }),
    ...(values.reason !== undefined && { reason: values.reason }),
  };
  const parsed = OverrideRequest.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UsageError(`${first.path.length === 0 ? 'override' : '--' + first.path.map(String).join('.')}: ${first.message}`);
  }
  return { request: parsed.data, url, token, as: values.as };
}

export async function mod(config: ModConfig, env: NodeJS.ProcessEnv): Promise<void> {
  let token = config.token;
  if (token === undefined) {
    const signing = await resolveTokenPrivateKey(env);
    token = await signAccessToken(signing.key, { player: config.as!, character: config.as!, roles: ['moderator'], ttlMs: 5 * 60_000 });
  }
  const client = new ModeratorClient({ url: config.url, token });
  const r = config.request;
  const answer = 'gm' in r ? (r.gm === 'list' ? await client.gmQueue() : await client.takeGmItem(r.session)) : await client.override(r);
  process.stdout.write(JSON.stringify(answer) + '\n');
}

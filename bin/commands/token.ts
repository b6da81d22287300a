// glass token: an access token, signed with the issuer's private key (GLASS_TOKEN_PRIVATE_KEY_FILE,
// else on a machine with no key configured the development pair under .data/). Nodes hold only the public key.
import { MAX_ACCESS_TTL_MS, ROLES, resolveTokenPrivateKey, signAccessToken, type Role } from '../../clients/index.js';
import { parseCommandArgs, UsageError } from '../cli-args.js';

export interface TokenConfig {
  player: string;
  character: string;
  roles: Role[];
  ttlMs: number;
}

const TTL_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseTtl(raw: string): number {
  const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(raw.trim());
  const ms = match === null ? NaN : Number(match[1]) * TTL_UNITS[match[2] ?? 's'];
  if (!Number.isSafeInteger(ms) || ms < 1_000 || ms > MAX_ACCESS_TTL_MS) {
    throw new UsageError(`--ttl must be a duration from 1s to 30d such as 90s, 30m, 1h or 7d (received ${JSON.stringify(raw)})`);
  }
  return ms;
}

export function parseToken(args: string[]): TokenConfig {
  const { values } = parseCommandArgs(args, {
    player: { type: 'string' },
    character: { type: 'string' },
    role: { type: 'string', multiple: true },
    ttl: { type: 'string' },
  });
  const id = (name: string, raw: string | undefined): string => {
    if (raw === undefined || !/^[A-Za-z0-9._-]{1,128}$/.test(raw) || raw === '__proto__') {
      throw new UsageError(`--${name} is required: 1 to 128 letters, digits, ".", "_" or "-"`);
    }
    return raw;
  };
  const roles = values.role ?? ['player'];
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (received ${JSON.stringify(role)})`);
  }
  return { player: id('player', values.player), character: id('character', values.character), roles: roles as Role[], ttlMs: parseTtl(values.ttl ?? '1h') };
}

export async function token(config: TokenConfig, env: NodeJS.ProcessEnv): Promise<void> {
  const signing = await resolveTokenPrivateKey(env);
  process.stdout.write((await signAccessToken(signing.key, config)) + '\n');
}

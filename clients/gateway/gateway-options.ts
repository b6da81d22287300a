import { randomBytes, type KeyObject } from 'node:crypto';
import { InvalidOptionError, type Logger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { IdSchema, ProtocolLimits } from '../protocol/index.js';
import { MIN_SECRET_LENGTH, tokenAlgorithm } from '../tokens/index.js';
import { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limiter.js';
import { CREATION_POLICIES, EdgeLimits, type CreationPolicy, type EdgeLimitSettings } from './edge-limits.js';
import { isProxyEntry } from './trusted-proxies.js';

/** How the gateway serves (the composer's own options, moderation's, are in clients/serve.ts). */
export interface GatewayServerOptions {
  node: GlassNode;
  /** 0 picks a free port; `Gateway.port` tells which. */
  port: number;
  /** Default 0.0.0.0. */
  host?: string;
  /**
   * The public key access tokens are verified with (Ed25519 or P-256, see resolveTokenPublicKey):
   * the node never holds the key that issues them. There is no unauthenticated mode.
   */
  tokenKey: KeyObject;
  /**
   * The node-held secret (at least 32 bytes) of the resume tokens this gateway issues and takes
   * back (see resolveTokenSecret); every node of a cluster needs the same one for a resume to move
   * between nodes. Default: 32 random bytes, so resume tokens work on this gateway only.
   */
  resumeKey?: Uint8Array;
  /** Largest client frame accepted, in bytes; larger ones get GLASS_ERR_FRAME_TOO_LARGE. Default 16384. */
  maxFrameBytes?: number;
  /** Per character on this node: `burst` frames at once, refilled at `perSecond`. Default 40 and 20. */
  rateLimit?: Partial<RateLimit>;
  /** How long a closed connection's rooms are held for a resume before they are left. Default 60000; 0 leaves at once. */
  resumeWindowMs?: number;
  /** Life of the resume tokens the gateway issues. Default 24 h. */
  resumeTokenTtlMs?: number;
  /** Unsent bytes per socket: above `softBytes` presence is skipped, above `hardBytes` the socket is closed (4008). Default 256 KiB and 1 MiB. */
  backpressure?: { softBytes?: number; hardBytes?: number };
  /** Members a room may have before a `join` (or a `resume` of a non-member) is refused with GLASS_ERR_ROOM_FULL; moderators may still enter. Default 200. */
  maxRoomMembers?: number;
  /** Open WebSockets per client address; the next upgrade is refused (429 GLASS_ERR_TOO_MANY_CONNECTIONS). Default 500 (a bound, not a policy: set it to what one household or NAT needs). */
  maxConnectionsPerIp?: number;
  /** Socket addresses of reverse proxies whose X-Forwarded-For names the client (its last entry). Default none: the socket's address counts. */
  trustedProxies?: string[];
  /** UTF-8 bytes of `say` and `turn` text per player on this node: `perSecond`, and `burst` at once (at least 16384, above the longest turn). Default from the frame bucket: 512 × rateLimit.perSecond (10 KiB/s) and 2000 × rateLimit.burst (80 KB). */
  textBudget?: { perSecond?: number; burst?: number };
  /**
   * Who may create a room or session by naming it in a `join` or `turn` (GLASS_ERR_CREATE_REFUSED
   * otherwise): `open` (default: anyone, `createsPerHour` per player on this node, default 100),
   * `listed` (the ids in `listed`, and moderators), `moderators`. Moderators always may.
   */
  creation?: { policy?: CreationPolicy; listed?: string[]; createsPerHour?: number };
  /** Default: a child of the node's logger. */
  logger?: Logger;
}

export interface ResolvedGatewayServerOptions {
  readonly node: GlassNode;
  readonly port: number;
  readonly host: string;
  /** Verifies access tokens (public). */
  readonly key: KeyObject;
  /** Signs and verifies resume tokens (node-held). */
  readonly resumeKey: Uint8Array;
  readonly maxFrameBytes: number;
  /** What uWS reads at all (maxPayloadLength): frames up to it are answered by us, larger ones close the socket. */
  readonly maxReadBytes: number;
  readonly rateLimit: RateLimit;
  readonly resumeWindowMs: number;
  readonly resumeTokenTtlMs: number;
  readonly softLimitBytes: number;
  readonly hardLimitBytes: number;
  /** The edge's limits and their counters (one per gateway): connections per address, room size, text bytes. */
  readonly edge: EdgeLimits;
  readonly log: Logger;
}

export const DEFAULT_MAX_ROOM_MEMBERS = 200;
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 500;
/** The default text budget's refill: this many UTF-8 bytes a second for each frame a second (20 frames/s: 10 KiB/s). */
export const TEXT_BYTES_PER_FRAME = 512;
/** The longest turn (4000 UTF-16 code units) is at most 12000 UTF-8 bytes: a burst below it could never be spent. */
const MIN_TEXT_BURST = 16_384;

export const DEFAULT_CREATES_PER_HOUR = 100;

function creationOption(value: GatewayServerOptions['creation']): Pick<EdgeLimitSettings, 'creation' | 'listed' | 'createsPerHour'> {
  if (value !== undefined && (value === null || typeof value !== 'object')) throw new InvalidOptionError('creation', 'an object', value);
  const policy = value?.policy ?? 'open';
  if (!(CREATION_POLICIES as readonly string[]).includes(policy)) throw new InvalidOptionError('creation.policy', `one of ${CREATION_POLICIES.join(', ')}`, policy);
  const listed = value?.listed ?? [];
  if (!Array.isArray(listed) || listed.length > 100_000 || !listed.every((id) => IdSchema.safeParse(id).success)) {
    throw new InvalidOptionError('creation.listed', 'an array of room and session ids', '[…]');
  }
  const createsPerHour = integerOption('creation.createsPerHour', value?.createsPerHour ?? DEFAULT_CREATES_PER_HOUR, 1, 1_000_000);
  return { creation: policy, listed: [...listed], createsPerHour };
}

function trustedProxiesOption(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 64 || !value.every((a) => typeof a === 'string' && isProxyEntry(a.replace(/^\[|\]$/g, '')))) {
    throw new InvalidOptionError('trustedProxies', 'an array of at most 64 IP addresses or CIDR blocks', value);
  }
  return [...value];
}

/** Frames this much over the limit are still read, so they are answered with an error frame. */
export const READ_HEADROOM_BYTES = 1024 * 1024;
const DAY_MS = 24 * 3_600_000;

export function integerOption(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** Checks every option once, at the public entry, and fills in the defaults. */
export function resolveGatewayServerOptions(options: GatewayServerOptions): ResolvedGatewayServerOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('', 'an object', options);
  const node = options.node;
  if (node === null || typeof node !== 'object' || typeof node.bind !== 'function') throw new InvalidOptionError('node', 'a started GlassNode', node);
  const port = integerOption('port', options.port, 0, 65_535);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host.length === 0)) {
    throw new InvalidOptionError('host', 'a non-empty string', options.host);
  }
  const tokenKey = publicTokenKey(options.tokenKey);
  const resumeKey = options.resumeKey ?? new Uint8Array(randomBytes(32));
  if (!(resumeKey instanceof Uint8Array) || resumeKey.byteLength < MIN_SECRET_LENGTH) {
    throw new InvalidOptionError('resumeKey', `a Uint8Array of at least ${MIN_SECRET_LENGTH} bytes`, '[redacted]');
  }
  const maxFrameBytes = integerOption('maxFrameBytes', options.maxFrameBytes ?? ProtocolLimits.DEFAULT_MAX_FRAME_BYTES, 64, 16 * 1024 * 1024);
  const rate = { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
  const burst = integerOption('rateLimit.burst', rate.burst, 1, 1_000_000);
  if (typeof rate.perSecond !== 'number' || !Number.isFinite(rate.perSecond) || rate.perSecond <= 0 || rate.perSecond > 1_000_000) {
    throw new InvalidOptionError('rateLimit.perSecond', 'a number above 0, at most 1000000', rate.perSecond);
  }
  const resumeWindowMs = integerOption('resumeWindowMs', options.resumeWindowMs ?? 60_000, 0, DAY_MS);
  const resumeTokenTtlMs = integerOption('resumeTokenTtlMs', options.resumeTokenTtlMs ?? DAY_MS, 1_000, 30 * DAY_MS);
  const softLimitBytes = integerOption('backpressure.softBytes', options.backpressure?.softBytes ?? 256 * 1024, 1_024, 1 << 30);
  const hardLimitBytes = integerOption('backpressure.hardBytes', options.backpressure?.hardBytes ?? 1024 * 1024, softLimitBytes, 1 << 30);
  const edge = new EdgeLimits({
    maxRoomMembers: integerOption('maxRoomMembers', options.maxRoomMembers ?? DEFAULT_MAX_ROOM_MEMBERS, 1, 1_000_000),
    maxConnectionsPerIp: integerOption('maxConnectionsPerIp', options.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP, 1, 1_000_000),
    trustedProxies: trustedProxiesOption(options.trustedProxies),
    // By default in proportion to the frame bucket: a full burst of full-length lines, and
    // TEXT_BYTES_PER_FRAME a second for each frame a second.
    textBytesPerSecond: integerOption('textBudget.perSecond', options.textBudget?.perSecond ?? Math.min(Math.ceil(rate.perSecond * TEXT_BYTES_PER_FRAME), 1 << 30), 1, 1 << 30),
    ...creationOption(options.creation),
    textBytesBurst: integerOption('textBudget.burst', options.textBudget?.burst ?? Math.min(Math.max(MIN_TEXT_BURST, burst * ProtocolLimits.SAY_MAX_LENGTH), 1 << 30), MIN_TEXT_BURST, 1 << 30),
  });
  return {
    node,
    port,
    host: options.host ?? '0.0.0.0',
    key: tokenKey,
    resumeKey,
    maxFrameBytes,
    maxReadBytes: maxFrameBytes + READ_HEADROOM_BYTES,
    rateLimit: { burst, perSecond: rate.perSecond },
    resumeWindowMs,
    resumeTokenTtlMs,
    softLimitBytes,
    hardLimitBytes,
    edge,
    log: options.logger ?? node.log.child({ component: 'gateway' }),
  };
}

/** The access-token verification key: a public Ed25519 or P-256 KeyObject (a shared secret, or the issuer's private key, is refused). */
function publicTokenKey(value: unknown): KeyObject {
  const expectation = 'a public Ed25519 or P-256 KeyObject (resolveTokenPublicKey), not a shared secret or the private key';
  const key = value as KeyObject;
  if (key === null || typeof key !== 'object' || key.type !== 'public') throw new InvalidOptionError('tokenKey', expectation, value === undefined ? undefined : '[redacted]');
  try {
    tokenAlgorithm(key);
  } catch {
    throw new InvalidOptionError('tokenKey', expectation, '[redacted]');
  }
  return key;
}

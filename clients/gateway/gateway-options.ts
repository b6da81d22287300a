import { randomBytes, type KeyObject } from 'node:crypto';
import { InvalidOptionError, type Logger } from '../../runtime/index.js';
import { type GlassNode } from '../../runtime/node/index.js';
import { ProtocolLimits } from '../protocol/index.js';
import { MIN_SECRET_LENGTH, tokenAlgorithm } from '../tokens/index.js';
import { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limiter.js';

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
  readonly log: Logger;
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

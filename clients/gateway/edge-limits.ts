import { RateLimiter } from './rate-limiter.js';
import { TrustedProxies } from './trusted-proxies.js';

export { canonicalAddress } from './canonical-address.js';

/** The settings of the edge's limits, as resolveGatewayServerOptions checked them. */
export interface EdgeLimitSettings {
  /** Members a room takes from this gateway's players before a join is refused (moderators excepted). */
  readonly maxRoomMembers: number;
  /** Open WebSockets per client address. */
  readonly maxConnectionsPerIp: number;
  /** Proxies whose X-Forwarded-For is believed (their own socket addresses). Empty: never. */
  readonly trustedProxies: readonly string[];
  /** Bytes of text (UTF-16 code units of `say` and `turn`) a player may send per second, and at once. */
  readonly textBytesPerSecond: number;
  readonly textBytesBurst: number;
  /** Who may create a room or session by naming it: anyone (within the quota), only listed ids (and moderators), or moderators only. */
  readonly creation: CreationPolicy;
  /** `listed`: the ids (rooms and sessions) players may create. */
  readonly listed: readonly string[];
  /** `open`: rooms and sessions one player may create per hour on this node (a bucket of this size, refilled over the hour). */
  readonly createsPerHour: number;
}

/** How often the text and creation buckets forget players whose buckets are full again (lossless). */
const SWEEP_EVERY_MS = 10_000;

export const CREATION_POLICIES = ['open', 'listed', 'moderators'] as const;
export type CreationPolicy = (typeof CREATION_POLICIES)[number];

/**
 * What a player or a client address can grow at the edge, shared by the upgrade (connections per
 * address) and the connections (room size, text bytes per player). One per gateway: made when its
 * options are resolved and reached through each socket's data, so that a frame costs no lookup
 * beyond its own checks.
 */
export class EdgeLimits {
  readonly settings: EdgeLimitSettings;
  /** Text bytes per player: a token bucket like the frame bucket, each code unit a token. */
  readonly text: RateLimiter;
  /** Rooms and sessions created per player (policy `open`). */
  readonly creations: RateLimiter;
  readonly #listed: ReadonlySet<string>;
  readonly #trusted: TrustedProxies;
  readonly #perAddress = new Map<string, number>();

  constructor(settings: EdgeLimitSettings) {
    this.settings = settings;
    // Swept as they are used: the buckets held are those of recently active players.
    this.text = new RateLimiter({ burst: settings.textBytesBurst, perSecond: settings.textBytesPerSecond }, Date.now, SWEEP_EVERY_MS);
    this.#trusted = new TrustedProxies(settings.trustedProxies);
    this.creations = new RateLimiter({ burst: settings.createsPerHour, perSecond: settings.createsPerHour / 3_600 }, Date.now, SWEEP_EVERY_MS);
    this.#listed = new Set(settings.listed);
  }

  /**
   * Why `player` may not create the room or session `id` if it does not exist yet, or undefined
   * if it may (moderators always may). The actor decides whether it exists; a creation it reports
   * is charged with `created`.
   */
  cannotCreate(player: string, moderator: boolean, id: string): string | undefined {
    if (moderator) return undefined;
    switch (this.settings.creation) {
      case 'moderators':
        return 'only moderators create rooms and sessions here';
      case 'listed':
        return this.#listed.has(id) ? undefined : 'only listed rooms and sessions may be created here';
      case 'open':
        return this.creations.has(player) ? undefined : `a player may create ${this.settings.createsPerHour} rooms and sessions an hour here`;
    }
  }

  /** The actor reports that `player` created a room or session. */
  created(player: string): void {
    this.creations.take(player);
  }

  /** Addresses with open connections now (bounded by the connections themselves). */
  get addresses(): number {
    return this.#perAddress.size;
  }

  /**
   * The client's address: the socket's peer, unless the peer is a trusted proxy, then the rightmost
   * X-Forwarded-For entry that is not one (TrustedProxies). A malformed entry counts as the hop that passed it.
   */
  clientAddress(remote: string, forwardedFor: string): string {
    return this.#trusted.clientAddress(remote, forwardedFor);
  }

  /** Counts a new connection of `address`; false (nothing counted) if it already has the maximum. */
  admit(address: string): boolean {
    const open = this.#perAddress.get(address) ?? 0;
    if (open >= this.settings.maxConnectionsPerIp) return false;
    this.#perAddress.set(address, open + 1);
    return true;
  }

  /** A connection admitted for `address` closed. */
  release(address: string): void {
    const open = this.#perAddress.get(address);
    if (open === undefined) return;
    if (open <= 1) this.#perAddress.delete(address);
    else this.#perAddress.set(address, open - 1);
  }
}


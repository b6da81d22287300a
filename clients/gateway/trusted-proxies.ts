import { BlockList, isIP } from 'node:net';
import { canonicalAddress } from './canonical-address.js';

/** At most this many X-Forwarded-For entries are looked at (a longer header is read from its right end). */
const MAX_HOPS = 16;

/** An IP address or CIDR block (`10.0.0.0/8`, `fd00::/8`) as GLASS_TRUSTED_PROXIES lists it; undefined if it is neither. */
export function parseProxyEntry(entry: string): { address: string; prefix: number | undefined; family: 'ipv4' | 'ipv6' } | undefined {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const address = canonicalAddress(slash === -1 ? text : text.slice(0, slash));
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) return { address, prefix: undefined, family };
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family };
}

/** True if `entry` is an IP address or CIDR block. */
export function isProxyEntry(entry: string): boolean {
  return parseProxyEntry(entry) !== undefined;
}

/**
 * The reverse proxies whose X-Forwarded-For is believed. The client is the rightmost address of
 * the chain (the peer, then the header from its right end) that is not a trusted proxy: every
 * trusted hop appended the address it saw, so entries left of the first untrusted one were
 * written by whoever the client is and prove nothing. A malformed entry stops the walk at the
 * last good address; nothing here throws on what a socket sent.
 */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    let size = 0;
    for (const entry of entries) {
      const parsed = parseProxyEntry(entry);
      if (parsed === undefined) throw new TypeError(`trusted proxy ${JSON.stringify(entry)} is not an IP address or CIDR block`);
      if (parsed.prefix === undefined) this.#list.addAddress(parsed.address, parsed.family);
      else this.#list.addSubnet(parsed.address, parsed.prefix, parsed.family);
      size++;
    }
    this.size = size;
  }

  /** True if `address` (already canonical) is one of the proxies. */
  has(address: string): boolean {
    if (this.size === 0) return false;
    const version = isIP(address);
    if (version === 0) return false;
    return this.#list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client's address, given the socket's peer and the X-Forwarded-For header ('' if absent). */
  clientAddress(remote: string, forwardedFor: string): string {
    let client = canonicalAddress(remote);
    if (forwardedFor === '' || !this.has(client)) return client;
    let end = forwardedFor.length;
    for (let hop = 0; hop < MAX_HOPS && end > 0; hop++) {
      const comma = forwardedFor.lastIndexOf(',', end - 1);
      const entry = canonicalAddress(forwardedFor.slice(comma + 1, end));
      if (isIP(entry) === 0) return client;
      client = entry;
      if (!this.has(client)) return client;
      end = comma === -1 ? 0 : comma;
    }
    return client;
  }
}

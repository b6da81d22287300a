import { ErrorCodes, GlassError } from './errors.js';

/** Where an actor lives, logically: its kind and its id. Physical placement is derived from it. */
export interface Address {
  readonly kind: string;
  readonly id: string;
}

/** The pinned kind of each node's own endpoint (actor handoffs between nodes): `glass-node:<node id>`. */
export const NODE_KIND = 'glass-node';
/**
 * The kind a node's gateway binds on its main thread (id: the node id): actors tell it what goes
 * out to that node's sockets. Pinned by default, like NODE_KIND.
 */
export const GATEWAY_KIND = 'gateway';

const KIND_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
export const MAX_ID_LENGTH = 256;

/** The single string form of an address, used as the map key everywhere ("room:lobby"). */
export function addressKey(kind: string, id: string): string {
  return kind + ':' + id;
}

export function kindOfKey(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

export function idOfKey(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

/** Checks an address from outside the runtime; throws GLASS_ERR_INVALID_ADDRESS. */
export function validateAddress(kind: unknown, id: unknown): asserts kind is string {
  if (typeof kind !== 'string' || !KIND_PATTERN.test(kind)) {
    throw new GlassError(ErrorCodes.INVALID_ADDRESS, `actor kind must match ${KIND_PATTERN} (received ${String(kind)})`);
  }
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new GlassError(ErrorCodes.INVALID_ADDRESS, `actor id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

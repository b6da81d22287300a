// Where the rooms scenario's peer frameworks live: bench/peers, a package of its own (not a
// dependency of the runtime), installed apart with `npm ci --legacy-peer-deps --prefix bench/peers`.
// Root code reaches it only at run time, through createRequire of that package's package.json, so
// the root build compiles, and the scenario runs two-sided, when it is not installed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** bench/peers/package.json of the source tree (this file runs from dist/bench/rooms/). */
export const PEERS_PACKAGE_JSON = fileURLToPath(new URL('../../../bench/peers/package.json', import.meta.url));

/** The command that installs the peers, from the repository root. */
export const PEERS_INSTALL_COMMAND = 'npm ci --legacy-peer-deps --prefix bench/peers';

/** The packages a peer side loads; all must resolve for the peer to run. */
export const COLYSEUS_PACKAGES = ['@colyseus/core', '@colyseus/ws-transport', '@colyseus/uwebsockets-transport', 'uWebSockets.js', 'colyseus.js'] as const;
export type PeerPackage = (typeof COLYSEUS_PACKAGES)[number];

export type PeerAvailability = { readonly installed: true; readonly version: string } | { readonly installed: false; readonly reason: string };

/** A peer package that cannot be loaded: bench/peers is not installed (or not completely). */
export class PeerNotInstalledError extends Error {
  readonly code = 'GLASS_ERR_PEER_NOT_INSTALLED';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PeerNotInstalledError';
  }
}

function peersRequire(): NodeJS.Require {
  return createRequire(PEERS_PACKAGE_JSON);
}

/**
 * Whether every Colyseus package resolves from bench/peers, and the pinned @colyseus/core version;
 * otherwise what is missing and how to install it. Resolves paths only: nothing is loaded.
 */
export function colyseusAvailability(): PeerAvailability {
  let pinned: Record<string, string>;
  try {
    pinned = (JSON.parse(readFileSync(PEERS_PACKAGE_JSON, 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies ?? {};
  } catch (err) {
    return { installed: false, reason: `${PEERS_PACKAGE_JSON} cannot be read (${(err as Error).message})` };
  }
  const require = peersRequire();
  const missing = COLYSEUS_PACKAGES.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    return { installed: false, reason: `the peer is not installed: ${missing.join(', ')} cannot be resolved from bench/peers; install it with \`${PEERS_INSTALL_COMMAND}\` from the repository root` };
  }
  return { installed: true, version: pinned['@colyseus/core'] ?? 'unknown' };
}

/**
 * Loads one peer package from bench/peers (its CommonJS entry, as `require` would: every Colyseus
 * package then shares the one CommonJS copy of @colyseus/core). The caller states the shape it uses.
 */
export async function loadPeerPackage<T>(name: PeerPackage): Promise<T> {
  let path: string;
  try {
    path = peersRequire().resolve(name);
  } catch (err) {
    throw new PeerNotInstalledError(`${name} cannot be resolved from bench/peers: install the peers with \`${PEERS_INSTALL_COMMAND}\``, { cause: err });
  }
  const namespace = (await import(pathToFileURL(path).href)) as { default?: unknown };
  // A CommonJS module's exports are the namespace's default; named exports are a best guess of Node's.
  return (namespace.default ?? namespace) as T;
}

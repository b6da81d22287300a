import type uWS from 'uWebSockets.js';
import type { SearchIndex } from '../../runtime/index.js';
import type { OverrideFrame, OverrideRequest } from '../protocol/index.js';
import type { AccessClaims } from '../tokens/index.js';
import type { RateLimiter } from './rate-limiter.js';
import type { ObjectStore } from '../../runtime/index.js';

/** An override the target applied, as the moderator's socket is told. */
export interface AppliedOverrideReceipt {
  readonly target: { readonly kind: 'room' | 'session'; readonly id: string };
  readonly command: OverrideRequest['command'];
  readonly audit: { readonly id: number; readonly hash: string };
}

/**
 * What the gateway needs of whoever takes overrides: the moderation desk, behind an adapter the
 * composer hands in (see clients/serve.ts). The gateway only carries frames to it and
 * acknowledgements back; auditing and sending are the desk's.
 */
export interface OverrideHandler {
  /** A validated `override` frame from a socket (its `type` and `ref` removed). */
  submit(claims: AccessClaims, request: OverrideRequest): Promise<AppliedOverrideReceipt>;
  /** An override frame refused before it reached the desk: audited, then resolved. Never rejects. */
  refuse(claims: AccessClaims, frame: OverrideFrame, code: string): Promise<void>;
  /** A frame that failed validation: if it was an override, its refusal is audited (resolves once written); null if it was not one. */
  refuseRaw(claims: AccessClaims, data: ArrayBuffer, code: string): Promise<void> | null;
  /** The target of the override of this audit row acknowledged it (it reached the gateway's endpoint). */
  applied(auditId: number): void;
  /** The gateway closes: whatever still waits fails. */
  close(): void;
}

/** What a product mounted on the gateway's HTTP server gets from it. */
export interface MountContext {
  readonly app: uWS.TemplatedApp;
  /** The per-character token bucket the sockets use, for APIs that count against it too. */
  readonly limiter: RateLimiter;
  /** True once the gateway is shutting down. */
  closing(): boolean;
  /** Counts a refusal in the gateway's stats. */
  refused(code: string): void;
}

/** HTTP routes mounted beside /ws and /healthz (before the catch-all 404), closed when the gateway closes. */
export interface GatewayMount {
  mount(context: MountContext): void;
  /** Called as the gateway stops listening, before its sockets close. */
  close?(): void;
}

/** What the composer plugs into the gateway: it serves, they decide. */
export interface GatewayParts {
  readonly overrides: OverrideHandler;
  readonly mounts: readonly GatewayMount[];
  /** The node's archive, for `history` pages (clients/gateway/connection-history.ts); absent: hot entries only. */
  readonly archive?: ObjectStore | null;
  /** How long a narrative turn took, from its acceptance to its commit (the ops signal). */
  observeTurnLatency?(ms: number): void;
  /** A say's hub hop, seconds (clients/gateway/hub-hop.ts: frame to its reply, after the line's broadcast here). */
  observeHubHop?(seconds: number): void;
  /** The index behind the `search` frame; absent: searches are refused with GLASS_ERR_SEARCH_UNAVAILABLE. */
  search?: SearchIndex | null;
}

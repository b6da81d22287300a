// The public entry of the clients layer: the server-side products, each from its room's entry.
// The composed edge of a node (gateway with moderation and ops mounted) is startGateway/Gateway.
// The SDK is not here: it is browser-safe and has its own entry (clients/sdk/index.ts, "./sdk").
export { Gateway, startGateway, type GatewayOptions } from './serve.js';
export { serveNode, type ServeNodeOptions, type ServedNode } from './serve-node.js';
export {
  DEFAULT_RATE_LIMIT,
  GatewayErrors,
  GatewayServer,
  RateLimiter,
  READ_HEADROOM_BYTES,
  CREATION_POLICIES,
  isProxyEntry,
  type CreationPolicy,
  type GatewayEvents,
  type GatewayMount,
  type GatewayParts,
  type GatewayServerOptions,
  type GatewayStats,
  type MountContext,
  type OverrideHandler,
  type RateLimit,
} from './gateway/index.js';
export * from './protocol/index.js';
export * from './tokens/index.js';
export * from './moderation/index.js';
export * from './ops/index.js';

// The public entry of the gateway room: the player WebSocket edge of a node (sockets, rooms held
// here, line order, rate limits) and the parts a composer mounts on it (clients/serve.ts).
export { GatewayErrors, GatewayServer, type GatewayEvents, type GatewayStats } from './gateway-server.js';
export { integerOption, READ_HEADROOM_BYTES, resolveGatewayServerOptions, type GatewayServerOptions, type ResolvedGatewayServerOptions } from './gateway-options.js';
export type { AppliedOverrideReceipt, GatewayMount, GatewayParts, MountContext, OverrideHandler } from './gateway-parts.js';
export { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limiter.js';
export { guardedApp, type GuardHooks } from './guarded-app.js';
export { CREATION_POLICIES, type CreationPolicy } from './edge-limits.js';
export { isProxyEntry, TrustedProxies } from './trusted-proxies.js';

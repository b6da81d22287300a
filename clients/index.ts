// The public entry of the clients layer: the WebSocket gateway, the wire protocol it speaks, and tokens.
export { Gateway, GatewayErrors, startGateway, type GatewayEvents, type GatewayStats } from './gateway.js';
export { READ_HEADROOM_BYTES, type GatewayOptions } from './gateway-options.js';
export { decodeClientFrame, encodeServerFrame, type DecodedFrame, type FrameRejection } from './frame-codec.js';
export { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limiter.js';
export { MAX_ACCESS_TTL_MS, signAccessToken, verifyAccessToken, type AccessClaims, type TokenCheck } from './access-token.js';
export { signResumeToken, verifyResumeToken, type ResumeClaims } from './resume-token.js';
export { DEFAULT_SECRET_FILE, MIN_SECRET_LENGTH, resolveTokenSecret, TokenSecretErrors, type TokenSecret } from './token-secret.js';
export {
  CLIENT_FRAME_TYPES,
  ClientFrame,
  CloseCodes,
  ErrorFrame,
  FRAME_ROLES,
  IdSchema,
  JoinFrame,
  JoinedFrame,
  LeaveFrame,
  LeftFrame,
  PingFrame,
  PongFrame,
  PresenceFrame,
  PROTOCOL_VERSION,
  ProtocolErrors,
  ProtocolLimits,
  RefSchema,
  RESYNC_REASONS,
  ResumeFrame,
  ResumeTokenFrame,
  ResumedFrame,
  ResyncFrame,
  RoleSchema,
  ROLES,
  RoomLineSchema,
  SaidFrame,
  SayFrame,
  ServerFrame,
  TurnAcceptedFrame,
  TurnFrame,
  WelcomeFrame,
  type ClientFrameType,
  type ProtocolErrorCode,
  type Role,
  type RoomLineFrame,
  type ServerFrameOf,
  type ServerFrameType,
} from './protocol.js';

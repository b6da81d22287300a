// The public entry of the protocol room: client wire protocol v1 (frames, limits, close codes) and
// every error code the wire carries. A leaf of clients/ that the server and the SDK both import:
// browser-safe, it loads zod and import-free leaf modules only (docs/PROTOCOL.md is the prose version).
export {
  AuditErrors,
  EdgeErrors,
  ErrorCodes,
  ModerationErrors,
  OpsErrors,
  OpsPublisherErrors,
  ProtocolErrors,
  RoomErrors,
  TransportErrorCodes,
  type ProtocolErrorCode,
} from './error-codes.js';
export { CloseCodes, PROTOCOL_VERSION, ProtocolLimits } from './protocol-limits.js';
export { AuditRefSchema, IdSchema, RefSchema, RoleSchema, ROLES, RoomLineSchema, SeqSchema, textSchema, wellFormed, type Role, type RoomLineFrame } from './field-schemas.js';
export {
  CLIENT_FRAME_TYPES,
  ClientFrame,
  FRAME_ROLES,
  JoinFrame,
  LeaveFrame,
  OverrideFrame,
  OverrideRequest,
  PingFrame,
  ResumeFrame,
  SayFrame,
  TurnFrame,
  type ClientFrameType,
} from './client-frames.js';
export {
  ErrorFrame,
  JoinedFrame,
  LeftFrame,
  ModeratedFrame,
  OverrideAppliedFrame,
  PongFrame,
  PresenceFrame,
  RESYNC_REASONS,
  ResumedFrame,
  ResumeTokenFrame,
  ResyncFrame,
  SaidFrame,
  ServerFrame,
  TurnAcceptedFrame,
  WelcomeFrame,
  type ServerFrameOf,
  type ServerFrameType,
} from './server-frames.js';
export { decodeClientFrame, encodeServerFrame, type DecodedFrame, type FrameRejection } from './frame-codec.js';

import type { z } from 'zod';
import { CLIENT_FRAME_TYPES, ClientFrame } from './client-frames.js';
import { EdgeErrors } from './error-codes.js';
import { ID_PATTERN, RefSchema, wellFormed } from './field-schemas.js';
import { ProtocolLimits } from './protocol-limits.js';
import type { ServerFrame } from './server-frames.js';

/** A frame the gateway refuses: the error frame to answer with (code, message, and the ref if one could be read). */
export interface FrameRejection {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
  readonly ref: string | undefined;
}

export type DecodedFrame = { readonly ok: true; readonly frame: ClientFrame } | FrameRejection;

// uWS itself closes a connection that sends a text frame of invalid UTF-8 (1006, before any of our
// code runs); fatal is the backstop that keeps a bad byte from being silently patched into U+FFFD
// should a frame ever reach us unchecked.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const KNOWN_TYPES: ReadonlySet<string> = new Set(CLIENT_FRAME_TYPES);

function reject(code: string, message: string, ref?: string): FrameRejection {
  return { ok: false, code, message, ref };
}

/**
 * Turns one WebSocket message into a validated client frame, or into the rejection to answer with.
 * Never throws: every refusal is a value, so nothing escapes the uWS message callback.
 */
export function decodeClientFrame(data: ArrayBuffer, isBinary: boolean, maxFrameBytes: number): DecodedFrame {
  if (isBinary) return reject(EdgeErrors.BINARY_UNSUPPORTED, 'binary frames are not supported: send JSON text frames');
  if (data.byteLength > maxFrameBytes) {
    return reject(EdgeErrors.FRAME_TOO_LARGE, `frame is ${data.byteLength} bytes; the limit is ${maxFrameBytes}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(utf8.decode(data));
  } catch {
    return reject(EdgeErrors.BAD_FRAME, 'frame is not valid UTF-8 JSON');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return reject(EdgeErrors.BAD_FRAME, `frame must be a JSON object (received ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw})`);
  }
  const record = raw as Record<string, unknown>;
  if (record.type === 'say') {
    const say = plainSay(record);
    if (say !== null) return { ok: true, frame: say };
  }
  // The ref is echoed even on a frame that fails validation, when it is itself well formed, so
  // the client can tell which of its requests was refused.
  const ref = RefSchema.safeParse(record.ref).success ? (record.ref as string) : undefined;
  if (typeof record.type === 'string' && !KNOWN_TYPES.has(record.type)) {
    return reject(EdgeErrors.UNKNOWN_FRAME_TYPE, `unknown frame type; expected one of ${CLIENT_FRAME_TYPES.join(', ')}`, ref);
  }
  const parsed = ClientFrame.safeParse(raw);
  if (!parsed.success) return reject(EdgeErrors.BAD_FRAME_SCHEMA, summarise(parsed.error), ref);
  return { ok: true, frame: parsed.data };
}

/**
 * The hottest frame by far, checked by hand: a `say` that is plainly valid (the fields SayFrame
 * allows and no other, each of the right type and size) becomes the frame SayFrame would give,
 * its text made well formed the same way. Anything else, null: the frame goes through the schema,
 * which gives the refusal (the same codes and messages whichever path a valid frame took).
 */
function plainSay(record: Record<string, unknown>): ClientFrame | null {
  const { room, text, ref } = record;
  let fields = 3;
  if (ref !== undefined) {
    if (typeof ref !== 'string' || ref.length < 1 || ref.length > ProtocolLimits.REF_MAX_LENGTH) return null;
    fields = 4;
  }
  if (typeof text !== 'string' || text.length > ProtocolLimits.SAY_MAX_LENGTH) return null;
  if (typeof room !== 'string' || room.length < 1 || room.length > ProtocolLimits.ID_MAX_LENGTH || !ID_PATTERN.test(room) || room === '__proto__') return null;
  // A key besides these (JSON.parse makes own keys only): the schema refuses it.
  if (Object.keys(record).length !== fields) return null;
  return ref === undefined ? { type: 'say', room, text: wellFormed(text) } : { type: 'say', room, text: wellFormed(text), ref };
}

/** The first issue, readable, and how many more there are. Zod messages never quote the input's values. */
function summarise(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return 'frame failed validation';
  const path = first.path.length === 0 ? 'frame' : first.path.map(String).join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more issue${error.issues.length > 2 ? 's' : ''})` : '';
  return `${path}: ${first.message}${more}`;
}

export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

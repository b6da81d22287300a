import type { z } from 'zod';
import { CLIENT_FRAME_TYPES, ClientFrame } from './client-frames.js';
import { EdgeErrors } from './error-codes.js';
import { RefSchema } from './field-schemas.js';
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

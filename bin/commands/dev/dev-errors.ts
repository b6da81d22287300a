// Stable codes of `glass dev`'s own failures (a bad argument is a UsageError: exit 2).
import { GlassError } from '../../../runtime/index.js';

export const DevErrors = {
  /** A program the topology runs is not installed (Caddy always; Prometheus with --prometheus). */
  MISSING_BINARY: 'GLASS_ERR_DEV_MISSING_BINARY',
  /** A service did not start, did not become ready in time, or exited while starting. */
  START_FAILED: 'GLASS_ERR_DEV_START_FAILED',
  /** A live supervisor already runs a topology on this directory. */
  ALREADY_RUNNING: 'GLASS_ERR_DEV_ALREADY_RUNNING',
  /** The state file is there but cannot be read as a topology. */
  BAD_STATE: 'GLASS_ERR_DEV_BAD_STATE',
  /** down: the supervisor did not exit in time. */
  STOP_FAILED: 'GLASS_ERR_DEV_STOP_FAILED',
} as const;

export type DevErrorCode = (typeof DevErrors)[keyof typeof DevErrors];

export class DevError extends GlassError {
  constructor(code: DevErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, undefined, options);
    this.name = 'DevError';
  }
}

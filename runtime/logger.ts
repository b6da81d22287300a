import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Structured JSON logs (pino). Secrets must never be passed as fields; `redact` is a backstop. */
export function createLogger(name: string, level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid, ...bindings },
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'password', '*.password'], censor: '[redacted]' },
  });
}

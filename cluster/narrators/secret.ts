// A secret (an API key) that does not print: JSON, String() and util.inspect all show [redacted].
// The value is an own enumerable field so that a config holding it survives the structured clone that
// takes ModuleRef options to a worker (a clone is a plain { value } object: `Secret.from` takes it
// back). Read it with `reveal()`, only where it is handed to a client.

const REDACTED = '[redacted]';

export class Secret {
  readonly value: string;

  private constructor(value: string) {
    this.value = value;
  }

  /** A Secret from a string, a Secret, or the plain `{ value }` a structured clone left of one. */
  static from(input: unknown): Secret | undefined {
    if (input instanceof Secret) return input;
    if (typeof input === 'string') return input === '' ? undefined : new Secret(input);
    if (input !== null && typeof input === 'object' && typeof (input as { value?: unknown }).value === 'string') return Secret.from((input as { value: string }).value);
    return undefined;
  }

  reveal(): string {
    return this.value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

/** `text` with every occurrence of each secret replaced by [redacted] (a backstop for error strings). */
export function redactSecrets(text: string, secrets: readonly (Secret | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s !== undefined && s.value.length >= 4) out = out.split(s.value).join(REDACTED);
  return out;
}

/**
 * The cheap liveness question to a CouchDB server: `GET /` within `timeoutMs`, credentials from
 * the URL sent as a header (fetch refuses a URL that carries them). True on a 2xx answer. Never
 * throws, never puts the URL in an error.
 */
export async function probeCouch(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    if (target.username !== '' || target.password !== '') {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    const res = await fetch(target, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** What a store probe has seen: whether the last probes answered, and when that last changed. */
export interface CouchProbeStatus {
  ready: boolean;
  /** Probes failed in a row. */
  failures: number;
}

/**
 * Probes an outside CouchDB every `intervalMs` (unref'd: it never keeps a process alive);
 * `failuresToDown` failures in a row make it not ready, one success makes it ready again.
 */
export class CouchProbe {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #failuresToDown: number;
  readonly #timer: NodeJS.Timeout;
  #failures = 0;
  #ready = true;
  #running = false;

  constructor(url: string, intervalMs: number, timeoutMs: number, failuresToDown: number) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
    this.#failuresToDown = failuresToDown;
    this.#timer = setInterval(() => void this.#probe(), intervalMs).unref();
    void this.#probe();
  }

  get status(): CouchProbeStatus {
    return { ready: this.#ready, failures: this.#failures };
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #probe(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const ok = await probeCouch(this.#url, this.#timeoutMs);
    this.#running = false;
    this.#failures = ok ? 0 : this.#failures + 1;
    if (ok) this.#ready = true;
    else if (this.#failures >= this.#failuresToDown) this.#ready = false;
  }
}

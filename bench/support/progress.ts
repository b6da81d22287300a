import cliProgress from 'cli-progress';

/** What a scenario reports while it runs; the harness decides how (or whether) it is drawn. */
export interface Progress {
  /** Starts (or restarts) the bar for a phase of `total` steps. */
  begin(phase: string, total: number): void;
  /** Moves the bar to `value` (absolute), optionally relabelling the phase. */
  update(value: number, detail?: string): void;
  /** One more step done. */
  tick(detail?: string): void;
  /** Removes the bar; everything after it is the report. */
  stop(): void;
}

/**
 * A progress bar on stderr. On a terminal it is a cli-progress bar redrawn in place; elsewhere (CI
 * logs, pipes) each phase is one plain line, so that a log shows where a run spent its time
 * without a redraw per step.
 */
export function createProgress(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new BarProgress(title, stream) : new LineProgress(title, stream);
}

/** A Progress that draws nothing, for callers that do not want one. */
export const silentProgress: Progress = {
  begin: () => undefined,
  update: () => undefined,
  tick: () => undefined,
  stop: () => undefined,
};

class BarProgress implements Progress {
  readonly #bar: cliProgress.SingleBar;
  #value = 0;
  #started = false;

  constructor(title: string, stream: NodeJS.WriteStream) {
    this.#bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${title} |{bar}| {percentage}% {value}/{total} {phase} {detail}`,
        barCompleteChar: '\u2588',
        barIncompleteChar: '\u2591',
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  begin(phase: string, total: number): void {
    this.#value = 0;
    if (this.#started) {
      this.#bar.setTotal(total);
      this.#bar.update(0, { phase, detail: '' });
    } else {
      this.#bar.start(total, 0, { phase, detail: '' });
      this.#started = true;
    }
  }

  update(value: number, detail?: string): void {
    this.#value = value;
    this.#bar.update(value, detail === undefined ? {} : { detail });
  }

  tick(detail?: string): void {
    this.update(this.#value + 1, detail);
  }

  stop(): void {
    if (!this.#started) return;
    this.#bar.stop();
    this.#started = false;
  }
}

class LineProgress implements Progress {
  readonly #title: string;
  readonly #stream: NodeJS.WriteStream;
  #phase = '';
  #total = 0;
  #value = 0;
  #startedAt = 0;

  constructor(title: string, stream: NodeJS.WriteStream) {
    this.#title = title;
    this.#stream = stream;
  }

  begin(phase: string, total: number): void {
    this.#end();
    this.#phase = phase;
    this.#total = total;
    this.#value = 0;
    this.#startedAt = performance.now();
  }

  update(value: number): void {
    this.#value = value;
  }

  tick(): void {
    this.#value++;
  }

  stop(): void {
    this.#end();
  }

  #end(): void {
    if (this.#phase === '') return;
    const seconds = ((performance.now() - this.#startedAt) / 1000).toFixed(1);
    this.#stream.write(`${this.#title}: ${this.#phase} ${this.#value}/${this.#total} (${seconds} s)\n`);
    this.#phase = '';
  }
}

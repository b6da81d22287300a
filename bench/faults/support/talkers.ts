// Players saying numbered lines, one at a time, keeping which the room acknowledged (its `said`),
// and the count that matters afterwards: an acknowledged line missing from the room's history is
// lost, a line present twice is duplicated.
import { WsPlayer } from './ws-player.js';

/** A room's history keeps its last 50 lines: a talker says fewer, so that every line stays checkable. */
export const MAX_LINES_PER_ROOM = 45;

export class Talker {
  readonly acknowledged: string[] = [];
  readonly refused: Map<string, number> = new Map();
  #n = 0;
  #stopped = false;
  #loop: Promise<void> | null = null;

  constructor(
    readonly client: WsPlayer,
    readonly room: string,
    readonly maxLines = MAX_LINES_PER_ROOM,
    readonly paceMs = 40,
  ) {}

  start(): this {
    this.#loop = this.#run();
    return this;
  }

  get said(): number {
    return this.#n;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped && this.#n < this.maxLines && this.client.open) {
      const text = `${this.client.player} line ${++this.#n}`;
      const outcome = await this.client.say(this.room, text);
      if (outcome === 'said') this.acknowledged.push(text);
      else this.refused.set(outcome, (this.refused.get(outcome) ?? 0) + 1);
      // Pacing of the offered load (within the per-character rate limit), not a synchronisation.
      await new Promise((resolve) => setTimeout(resolve, this.paceMs));
    }
  }
}

export interface LineCount {
  acknowledged: number;
  lost: number;
  duplicated: number;
  /** Lines said but not acknowledged, by the code they were refused with. */
  refused: Record<string, number>;
}

/** Joins every talker's room from `reader` and counts acknowledged lines lost and lines duplicated. */
export async function countLines(reader: WsPlayer, talkers: readonly Talker[]): Promise<LineCount> {
  let acknowledged = 0;
  let lost = 0;
  let duplicated = 0;
  const refused: Record<string, number> = {};
  const rooms = [...new Set(talkers.map((t) => t.room))];
  for (const room of rooms) {
    const joined = await reader.join(room, 20_000);
    const seen = new Map<string, number>();
    for (const line of joined.history as { text: string }[]) seen.set(line.text, (seen.get(line.text) ?? 0) + 1);
    for (const n of seen.values()) if (n > 1) duplicated += n - 1;
    for (const t of talkers.filter((x) => x.room === room)) {
      acknowledged += t.acknowledged.length;
      for (const text of t.acknowledged) if (!seen.has(text)) lost++;
      for (const [code, n] of t.refused) refused[code] = (refused[code] ?? 0) + n;
    }
  }
  return { acknowledged, lost, duplicated, refused };
}

export function describeRefused(r: Record<string, number>): string {
  const parts = Object.entries(r).map(([c, n]) => `${c}×${n}`);
  return parts.length === 0 ? 'none refused' : `refused ${parts.join(', ')}`;
}

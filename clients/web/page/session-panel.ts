// One joined narrative session: its transcript, the turn being narrated (its chunks appear as they
// arrive), held, failed and cancelled turns, its members, and a form to take a turn.
import type { GlassClient, GlassClientEvents, TranscriptEntry } from '../../sdk/index.js';
import { el, insertBySeq, renderMembers, stickToEnd } from './dom.js';

const PAGE = 50;

type Joined = Omit<GlassClientEvents['session-resync'], 'reason'>;
type Running = NonNullable<Joined['running']>;
type Check = GlassClientEvents['turn-committed']['checks'][number];

/** What a turn's item shows, kept with it. */
interface TurnView {
  item: HTMLLIElement;
  narration: HTMLParagraphElement;
  status: HTMLSpanElement;
  /** Chunks already shown, by `part:index`: a chunk comes once from the SDK, but a resync re-renders. */
  shown: Set<string>;
}

export class SessionPanel {
  readonly session: string;
  readonly element: HTMLElement;
  readonly #client: GlassClient;
  readonly #log: HTMLOListElement;
  readonly #members: HTMLUListElement;
  readonly #input: HTMLInputElement;
  readonly #older: HTMLButtonElement;
  readonly #turns = new Map<number, TurnView>();
  /** The oldest transcript entry shown: its turn, and its event seq (a history page's cursor; absent in old entries). */
  #oldest: { turn: number; seq: number | undefined } | null = null;
  readonly #off: (() => void)[] = [];
  readonly #onClose: (panel: SessionPanel) => void;
  readonly #report: (message: string) => void;

  constructor(client: GlassClient, session: string, hooks: { closed(panel: SessionPanel): void; report(message: string): void }) {
    this.#client = client;
    this.session = session;
    this.#onClose = hooks.closed;
    this.#report = hooks.report;
    const title = `session-${session}-title`;
    this.#log = el('ol', { class: 'log transcript', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text', 'aria-label': `Story of session ${session}`, tabindex: 0 });
    this.#members = el('ul', { class: 'members', 'aria-label': 'Players' });
    this.#older = el('button', { type: 'button', class: 'older', hidden: true }, 'Load older turns');
    this.#input = el('input', { name: 'text', required: true, maxlength: 2000, autocomplete: 'off', 'aria-label': `Your turn in ${session}`, placeholder: 'What do you do?' });
    const form = el('form', { class: 'take-turn', 'aria-label': `Take a turn in session ${session}` }, this.#input, el('button', { type: 'submit' }, 'Take turn'));
    const leave = el('button', { type: 'button', class: 'leave', 'aria-label': `Leave session ${session}` }, 'Leave');
    this.element = el(
      'section',
      { class: 'panel session', 'data-session': session, 'aria-labelledby': title },
      el('header', {}, el('span', { class: 'kind' }, 'session'), el('h2', { id: title }, session), leave),
      this.#members,
      this.#older,
      this.#log,
      form,
    );
    this.#older.addEventListener('click', () => void this.#loadOlder());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#takeTurn();
    });
    leave.addEventListener('click', () => void this.leave());
    const mine = <T extends { session: string }>(fn: (e: T) => void) => (e: T) => void (e.session === session && fn(e));
    this.#off.push(
      client.on('session-presence', mine((e) => renderMembers(this.#members, e.members, e.count))),
      client.on('turn-started', mine((e) => this.#started(e.turn, e.player, e.text))),
      client.on('narration', mine((e) => this.#chunk(e.turn, e.part, e.index, e.text))),
      client.on(
        'narration-degraded',
        mine((e) => {
          const view = this.#turns.get(e.turn);
          if (view === undefined) return;
          if (e.restart) {
            view.narration.textContent = '';
            view.shown.clear();
          }
          view.status.textContent = `the narrator changed (${e.reason})`;
        }),
      ),
      client.on('turn-committed', mine((e) => this.#committed(e.turn, e.player, e.narration, e.checks))),
      client.on(
        'turn-failed',
        mine((e) => {
          const view = this.#view(e.turn, e.player, '');
          this.#settle(view, 'failed', `the turn failed: ${e.code}`);
        }),
      ),
      client.on(
        'turn-checks',
        mine((e) => {
          const view = this.#turns.get(e.turn);
          if (view !== undefined) view.status.textContent += ` — checks rolled later: ${checksText(e.checks)}`;
        }),
      ),
      client.on(
        'turn-cancelled',
        mine((e) => {
          const view = this.#view(e.turn, e.player, '');
          view.narration.textContent = '';
          this.#settle(view, 'cancelled', `cancelled by a moderator (${e.reason})`);
        }),
      ),
      client.on(
        'turn-held',
        mine((e) => {
          const view = this.#view(e.turn, e.player, '');
          view.item.dataset.state = 'held';
          view.status.textContent = 'waiting for a game master';
        }),
      ),
      client.on(
        'session-moderated',
        mine((e) => {
          if (e.command === 'redact' && e.turn !== undefined) {
            const view = this.#turns.get(e.turn);
            if (view !== undefined) this.#settle(view, 'redacted', 'redacted by a moderator');
          } else this.#note(`a moderator: ${e.command}${e.reason !== undefined ? ` (${e.reason})` : ''}`);
        }),
      ),
      client.on(
        'session-resync',
        mine((e) => {
          this.#log.replaceChildren();
          this.#turns.clear();
          this.#oldest = null;
          this.#fill(e);
        }),
      ),
    );
  }

  async join(): Promise<void> {
    this.#fill(await this.#client.joinSession(this.session));
  }

  focus(): void {
    this.#input.focus();
  }

  async leave(): Promise<void> {
    try {
      await this.#client.leaveSession(this.session);
    } catch (err) {
      this.#report(`leaving ${this.session}: ${(err as { code?: string }).code ?? String(err)}`);
    }
    this.dispose();
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.element.remove();
    this.#onClose(this);
  }

  #fill(joined: Joined): void {
    renderMembers(this.#members, joined.members);
    stickToEnd(this.#log, () => {
      for (const entry of joined.transcript) this.#entry(entry);
      if (joined.running !== undefined) this.#running(joined.running);
    });
    this.#older.hidden = !this.#hasOlder();
  }

  #hasOlder(): boolean {
    return this.#oldest !== null && this.#oldest.turn > 1 && this.#oldest.seq !== undefined;
  }

  async #loadOlder(): Promise<void> {
    const before = this.#oldest?.seq;
    if (before === undefined || !this.#hasOlder()) return void (this.#older.hidden = true);
    this.#older.disabled = true;
    try {
      const page = await this.#client.history({ session: this.session }, { before, limit: PAGE });
      for (const entry of page.turns) this.#entry(entry);
      this.#older.hidden = page.next === null || !this.#hasOlder();
    } catch (err) {
      this.#report(`older turns of ${this.session}: ${(err as { code?: string }).code ?? String(err)}`);
    } finally {
      this.#older.disabled = false;
    }
  }

  #takeTurn(): void {
    const text = this.#input.value.trim();
    if (text === '') return;
    this.#input.value = '';
    this.#client.turn(this.session, text).catch((err: { code?: string }) => {
      if (this.#input.value === '') this.#input.value = text;
      this.#report(`turn not taken in ${this.session}: ${err.code ?? String(err)}`);
    });
  }

  #entry(entry: TranscriptEntry): void {
    if (this.#oldest === null || entry.turn < this.#oldest.turn) this.#oldest = { turn: entry.turn, seq: entry.seq };
    if (entry.narration === true) {
      const view = this.#view(entry.turn, entry.player, '');
      view.narration.textContent = entry.text;
      return this.#settle(view, 'committed', 'narrated by the game master');
    }
    const view = this.#view(entry.turn, entry.player, entry.text);
    if (entry.redacted === true) return this.#settle(view, 'redacted', 'redacted by a moderator');
    if (entry.failed !== undefined) {
      const late = entry.lateChecks === undefined ? '' : ` — checks rolled later: ${checksText(entry.lateChecks.checks)}`;
      return this.#settle(view, 'failed', `the turn failed: ${entry.failed.code}${late}`);
    }
    view.narration.textContent = entry.narrated ?? '';
    this.#settle(view, 'committed', checksText(entry.checks ?? []));
  }

  #running(running: Running): void {
    this.#started(running.turn, running.player, running.text);
    for (const c of running.chunks) this.#chunk(running.turn, c.part, c.index, c.text);
  }

  #started(turn: number, player: string, text: string): void {
    const view = this.#view(turn, player, text);
    view.item.dataset.state = 'streaming';
    view.item.setAttribute('aria-busy', 'true');
    view.status.textContent = 'the game master is narrating…';
  }

  #chunk(turn: number, part: number, index: number, text: string): void {
    const view = this.#view(turn, '', '');
    const key = `${part}:${index}`;
    if (view.shown.has(key)) return;
    view.shown.add(key);
    if (view.item.dataset.state !== 'streaming') this.#started(turn, '', '');
    view.item.dataset.chunks = String(view.shown.size);
    stickToEnd(this.#log, () => view.narration.append(text));
  }

  #committed(turn: number, player: string, narration: string, checks: readonly Check[]): void {
    const view = this.#view(turn, player, '');
    view.narration.textContent = narration;
    this.#settle(view, 'committed', checksText(checks));
  }

  #settle(view: TurnView, state: 'committed' | 'failed' | 'cancelled' | 'redacted', status: string): void {
    view.item.dataset.state = state;
    view.item.setAttribute('aria-busy', 'false');
    view.status.textContent = status;
  }

  /** The turn's item, made on first sight (a chunk may be the first thing a reconnected page hears of it). */
  #view(turn: number, player: string, text: string): TurnView {
    let view = this.#turns.get(turn);
    if (view === undefined) {
      const narration = el('p', { class: 'narration' });
      const status = el('span', { class: 'status' });
      const who = el('span', { class: 'from' }, player);
      const said = el('span', { class: 'text' }, text);
      const item = el('li', { class: 'turn', 'data-turn': turn, 'data-state': 'pending', 'aria-label': `Turn ${turn}` }, who, said, narration, status);
      view = { item, narration, status, shown: new Set() };
      this.#turns.set(turn, view);
      stickToEnd(this.#log, () => insertBySeq(this.#log, item, turn));
    } else {
      if (player !== '' && view.item.querySelector('.from')?.textContent === '') view.item.querySelector('.from')!.textContent = player;
      if (text !== '' && view.item.querySelector('.text')?.textContent === '') view.item.querySelector('.text')!.textContent = text;
    }
    return view;
  }

  #note(text: string): void {
    const last = this.#log.lastElementChild as HTMLElement | null;
    const item = el('li', { class: 'note' }, text);
    item.dataset.seq = String(Math.floor(Number(last?.dataset.seq ?? 0)) + 0.5);
    stickToEnd(this.#log, () => this.#log.append(item));
  }
}

function checksText(checks: readonly Check[]): string {
  return checks.map((c) => `${c.skill}: ${c.roll}${c.modifier >= 0 ? '+' : ''}${c.modifier} = ${c.total} vs ${c.difficulty} (${c.outcome})`).join('; ');
}

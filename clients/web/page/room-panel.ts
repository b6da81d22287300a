// One joined room: its lines (history on join, live lines, lines missed while reconnecting, older
// pages on demand), its members and a form to say a line.
import type { GlassClient, GlassClientEvents, RoomLine } from '../../sdk/index.js';
import { clock, el, insertBySeq, renderMembers, stickToEnd } from './dom.js';

const PAGE = 50;

export class RoomPanel {
  readonly room: string;
  readonly element: HTMLElement;
  readonly #client: GlassClient;
  readonly #log: HTMLOListElement;
  readonly #members: HTMLUListElement;
  readonly #older: HTMLButtonElement;
  readonly #input: HTMLInputElement;
  readonly #off: (() => void)[] = [];
  readonly #onClose: (panel: RoomPanel) => void;
  readonly #report: (message: string) => void;

  constructor(client: GlassClient, room: string, hooks: { closed(panel: RoomPanel): void; report(message: string): void }) {
    this.#client = client;
    this.room = room;
    this.#onClose = hooks.closed;
    this.#report = hooks.report;
    const title = `room-${room}-title`;
    this.#log = el('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': `Lines of room ${room}`, tabindex: 0 });
    this.#members = el('ul', { class: 'members', 'aria-label': 'Members' });
    this.#older = el('button', { type: 'button', class: 'older', hidden: true }, 'Load older lines');
    this.#input = el('input', { name: 'text', required: true, maxlength: 2000, autocomplete: 'off', 'aria-label': `Say in ${room}`, placeholder: 'Say something…' });
    const form = el('form', { class: 'say', 'aria-label': `Say in room ${room}` }, this.#input, el('button', { type: 'submit' }, 'Say'));
    const leave = el('button', { type: 'button', class: 'leave', 'aria-label': `Leave room ${room}` }, 'Leave');
    this.element = el(
      'section',
      { class: 'panel room', 'data-room': room, 'aria-labelledby': title },
      el('header', {}, el('span', { class: 'kind' }, 'room'), el('h2', { id: title }, room), leave),
      el('h3', { class: 'visually-hidden' }, 'Members'),
      this.#members,
      this.#older,
      this.#log,
      form,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#say();
    });
    leave.addEventListener('click', () => void this.leave());
    this.#older.addEventListener('click', () => void this.#loadOlder());
    this.#off.push(
      client.on('said', (e) => e.room === room && this.#line(e.line, e.replayed)),
      client.on('presence', (e) => e.room === room && this.#presence(e)),
      client.on('resync', (e) => {
        if (e.room !== room) return;
        this.#log.replaceChildren();
        this.#note(e.reason === 'rejoined' ? 'rejoined after reconnecting' : 'some lines could not be replayed: showing the latest');
        this.#fill(e.history, e.members);
      }),
    );
  }

  /** Joins the room: its members and recent lines, then "older" if there are more. */
  async join(): Promise<void> {
    const joined = await this.#client.join(this.room);
    this.#fill(joined.history, joined.members);
  }

  focus(): void {
    this.#input.focus();
  }

  async leave(): Promise<void> {
    try {
      await this.#client.leave(this.room);
    } catch (err) {
      this.#report(`leaving ${this.room}: ${(err as { code?: string }).code ?? String(err)}`);
    }
    this.dispose();
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.element.remove();
    this.#onClose(this);
  }

  #fill(history: readonly RoomLine[], members: readonly string[]): void {
    renderMembers(this.#members, members);
    stickToEnd(this.#log, () => {
      for (const line of history) this.#insert(line, false);
    });
    this.#older.hidden = this.#oldestSeq() <= 1;
  }

  #say(): void {
    const text = this.#input.value.trim();
    if (text === '') return;
    this.#input.value = '';
    this.#client.say(this.room, text).catch((err: { code?: string }) => {
      // Not said: give the text back so it can be sent again.
      if (this.#input.value === '') this.#input.value = text;
      this.#report(`not said in ${this.room}: ${err.code ?? String(err)}`);
    });
  }

  #line(line: RoomLine, replayed: boolean): void {
    stickToEnd(this.#log, () => this.#insert(line, replayed));
  }

  #insert(line: RoomLine, replayed: boolean): void {
    const item = el(
      'li',
      { class: 'line', 'data-from': line.from },
      el('span', { class: 'from' }, line.from),
      el('span', { class: 'text' }, line.text),
      el('time', { class: 'at', datetime: new Date(line.at).toISOString() }, clock(line.at)),
      replayed && el('span', { class: 'replayed' }, '(while you were away)'),
    );
    insertBySeq(this.#log, item, line.seq);
  }

  #presence(e: GlassClientEvents['presence']): void {
    renderMembers(this.#members, e.members, e.count);
    if (e.joined !== undefined) this.#note(`${e.joined} joined`);
    if (e.left !== undefined) this.#note(`${e.left} left`);
  }

  /** A note among the lines, after the newest (the newest line's seq plus a half: never a line's seq). */
  #note(text: string): void {
    const last = this.#log.lastElementChild as HTMLElement | null;
    const item = el('li', { class: 'note' }, text);
    item.dataset.seq = String(Math.floor(Number(last?.dataset.seq ?? 0)) + 0.5);
    stickToEnd(this.#log, () => this.#log.append(item));
  }

  #oldestSeq(): number {
    for (const item of this.#log.children) {
      const seq = Number((item as HTMLElement).dataset.seq);
      if ((item as HTMLElement).classList.contains('line')) return seq;
    }
    return 0;
  }

  async #loadOlder(): Promise<void> {
    const before = this.#oldestSeq();
    if (before <= 1) return void (this.#older.hidden = true);
    this.#older.disabled = true;
    try {
      const page = await this.#client.history({ room: this.room }, { before, limit: PAGE });
      for (const line of page.lines) this.#insert(line, false);
      this.#older.hidden = page.next === null || this.#oldestSeq() <= 1;
    } catch (err) {
      this.#report(`older lines of ${this.room}: ${(err as { code?: string }).code ?? String(err)}`);
    } finally {
      this.#older.disabled = false;
    }
  }
}

// Small DOM helpers. Everything a server or another player sent is set as text or attribute values,
// never parsed as markup (no innerHTML anywhere in the page).

type Child = Node | string | null | undefined | false;

/** An element with attributes (`hidden: true` sets a boolean one) and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** The element with this id; throws if the page lacks it (a broken build, not a runtime condition). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** A short local time for a line's `at`. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * Inserts `item` into `list` ordered by its numeric `data-seq`, replacing one with the same seq:
 * live lines, history pages and a resume's replay may arrive in any order and still show once, in order.
 */
export function insertBySeq(list: HTMLElement, item: HTMLElement, seq: number): void {
  item.dataset.seq = String(seq);
  const items = list.children;
  for (let i = items.length - 1; i >= 0; i--) {
    const other = items[i] as HTMLElement;
    const at = Number(other.dataset.seq);
    if (at === seq) return void other.replaceWith(item);
    if (at < seq) return void other.after(item);
  }
  list.prepend(item);
}

/** Keeps a log scrolled to its end when it was at its end (a reader scrolled up stays where they are). */
export function stickToEnd(list: HTMLElement, change: () => void): void {
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
  change();
  if (atEnd) list.scrollTop = list.scrollHeight;
}

/** The members as a list of chips, one per member (`data-member`). */
export function renderMembers(list: HTMLElement, members: readonly string[], count?: number): void {
  list.replaceChildren(...members.map((m) => el('li', { 'data-member': m }, m)));
  list.setAttribute('aria-label', `${count ?? members.length} here`);
}

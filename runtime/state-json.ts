/**
 * JSON text of an actor state, for the state stores: the text JSON.stringify gives, made cheaper
 * for the usual shape of a state that grows, a record of fields whose largest is a list of
 * immutable entries (a room's history lines, a session's turns). An entry that is a frozen object
 * of primitives cannot change, so its text is made once and reused by every later save; each save
 * then pays for the new entries, not for the whole list. Only the state's own fields and the
 * entries of its lists are looked at this way; everything else goes to JSON.stringify whole.
 */
const memo = new WeakMap<object, string>();

export function stateJson(state: unknown): string {
  if (state === null || typeof state !== 'object' || Array.isArray(state) || hasToJson(state)) return JSON.stringify(state) ?? 'null';
  let out = '{';
  for (const key of Object.keys(state)) {
    const text = field((state as Record<string, unknown>)[key]);
    if (text === undefined) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + text;
  }
  return out + '}';
}

/**
 * The text of each list, kept with the entries it was made of: a list that only grew since (the
 * same entries, the same objects, first) is written as that text plus its new entries, so a save
 * pays for what was appended, not for the whole list. An entry replaced or removed at the front
 * (a redaction, a spill) is seen by the identity check and the list is written anew. Only lists
 * whose every entry is immutable (its text reused from `memo`) are kept.
 */
const lists = new WeakMap<unknown[], { refs: unknown[]; body: string; appended: number }>();
/** Appends to a kept text before it is written flat again: the text stays a shallow string however long the list grows. */
const MAX_APPENDS = 64;

/** A field of the state; undefined where JSON leaves it out (undefined, a function, a symbol). */
function field(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return JSON.stringify(value);
  const last: unknown = value[value.length - 1];
  if (!(typeof last === 'object' && last !== null && memo.has(last)) && !immutable(last)) return JSON.stringify(value);
  let kept = lists.get(value);
  let from = 0;
  if (kept !== undefined && kept.appended + value.length - kept.refs.length <= MAX_APPENDS && samePrefix(value, kept.refs)) {
    from = kept.refs.length;
    kept.appended += value.length - from;
  } else kept = { refs: [], body: '', appended: 0 };
  let reusable = true;
  let body: string;
  if (from === 0) {
    // Written anew: one join, a flat string.
    const parts = new Array<string>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      parts[i] = entry(item);
      if (reusable && !(typeof item === 'object' && item !== null && memo.has(item))) reusable = false;
    }
    body = parts.join(',');
    kept.refs = value.slice();
  } else {
    body = kept.body;
    for (let i = from; i < value.length; i++) {
      const item: unknown = value[i];
      body += ',' + entry(item);
      if (reusable && !(typeof item === 'object' && item !== null && memo.has(item))) reusable = false;
      kept.refs.push(item);
    }
  }
  if (reusable) {
    kept.body = body;
    lists.set(value, kept);
  } else lists.delete(value);
  return '[' + body + ']';
}

/** `list` starts with exactly the entries of `refs`, the same objects, in order. */
function samePrefix(list: unknown[], refs: unknown[]): boolean {
  if (refs.length > list.length) return false;
  for (let i = 0; i < refs.length; i++) if (list[i] !== refs[i]) return false;
  return true;
}

function entry(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  let text = memo.get(value);
  if (text !== undefined) return text;
  text = JSON.stringify(value) ?? 'null';
  if (immutable(value)) memo.set(value, text);
  return text;
}

/** A frozen object (not an array, no toJSON) whose own values are all primitives. */
function immutable(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || !Object.isFrozen(value) || Array.isArray(value) || hasToJson(value)) return false;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) return false;
  }
  return true;
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

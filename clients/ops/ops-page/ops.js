// The ops page: plain JS, no build step. Live cluster view over /ops/ws, expansions, search and
// actions over the JSON API, all with the ops token the page was opened with.
//
// Every value from a report (this node's or another's) reaches the page as a text node or an
// attribute value set through the DOM (h below): no markup is ever parsed from a string.
const token = new URLSearchParams(location.search).get('token') ?? '';
const $ = (sel) => document.querySelector(sel);
const PAGE = 100;

/** Expanded groups ("node|thread|kind") → rows shown so far. */
const expanded = new Map();
let lastView = null;

/**
 * An element: `attrs` are set with setAttribute (null/undefined skipped; `class` included), children
 * are nodes or values shown as text; arrays are flattened, null/undefined/false skipped.
 */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) for (const [name, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  add(el, children);
  return el;
}
function add(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}
const dim = (...children) => h('span', { class: 'dim' }, ...children);
const fail = (...children) => h('span', { class: 'fail' }, ...children);
const td = (attrs, ...children) => h('td', attrs, ...children);
const th = (text, cls) => h('th', cls ? { class: cls } : null, text);

const fmt = (n, digits = 0) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en', { maximumFractionDigits: digits }));

// telemetry.moderation.overrides: what the node's desk saw applied, by command and target kind.
function overridesSpan(n) {
  const entries = Object.entries((n.moderation && n.moderation.overrides) || {}).filter(([, v]) => typeof v === 'number' && v > 0);
  if (entries.length === 0) return null;
  const total = entries.reduce((sum, [, v]) => sum + v, 0);
  return h('span', { class: 'overrides', title: entries.map(([k, v]) => `${k}: ${fmt(v)}`).join('\n') }, `overrides ${fmt(total)} (${entries.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})`);
}
const bytes = (n) => `${fmt(n / 1048576, 1)} MiB`;
const ago = (at) => (at ? `${fmt((Date.now() - at) / 1000, 0)} s ago` : '');
const status = (s) => h('span', { class: 'status', 'data-s': s }, String(s ?? ''));
const time = (at) => new Date(at).toLocaleTimeString();

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${body.code ?? res.status}: ${body.message ?? res.statusText}`);
  return body;
}

function toast(text) {
  const t = $('#toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
}

/** Asks for confirmation in a <dialog> showing `body` (nodes); resolves true when confirmed. */
function confirmAction(title, ...body) {
  const d = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-body').replaceChildren();
  add($('#confirm-body'), body);
  d.showModal();
  return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
}

async function act(action) {
  try {
    const r = await api('/ops/api/actions', { method: 'POST', body: JSON.stringify(action) });
    toast(`${r.action} on ${r.node}: ${r.done ? 'done' : 'nothing to do'}${r.auditRef ? ` (audit ${r.auditRef})` : ''}`);
  } catch (err) {
    toast(`${action.action} refused — ${err.message}`);
  }
}

function renderSignals(view) {
  const rows = view.nodes.flatMap((n) => n.signals.map((s) => ({ ...s, node: n.node })));
  const list = rows.map((s) => {
    const value = s.value === null ? '–' : s.unit === 'ratio' ? `${fmt(s.value * 100, 0)} %` : `${fmt(s.value, 2)} ${s.unit ?? ''}`;
    const limit = s.unit === 'ratio' ? `${fmt(s.threshold * 100)} %` : `${fmt(s.threshold, 2)} ${s.unit ?? ''}`;
    const state = s.firing ? 'act now' : s.over ? `over since ${ago(s.overSince)}, fires after ${fmt(s.sustainMs / 60000)} min` : 'ok';
    return h(
      'div',
      { class: 'signal', 'data-signal': s.id, 'data-node': s.node, 'data-over': s.over, 'data-firing': s.firing },
      h('div', null, String(s.label ?? ''), ' ', dim(`· ${s.node}`)),
      h('div', { class: 'value' }, value, ' ', dim(`/ ${limit}`)),
      h('div', { class: 'dim' }, `${s.detail ?? ''} — ${state}`),
      h('div', null, s.over ? h('strong', null, 'Action:') : dim('Action when over: '), s.over ? ' ' : null, String(s.action ?? '')),
    );
  });
  $('#signals-body').replaceChildren(h('div', { class: 'signals' }, list));
}

/** Each node's budget figures (docs/BUDGETS.md): worlds' weekly use, the costliest sessions, the GM queue. */
function renderBudgets(view) {
  const nodes = view.nodes.filter((n) => n.budgets);
  if (nodes.length === 0) return $('#budgets-body').replaceChildren(h('p', { class: 'dim' }, 'No budget figures (no budget service).'));
  const usd = (n) => `$${fmt(n, 4)}`;
  const worlds = nodes.flatMap((n) => n.budgets.worlds.map((w) => ({ ...w, node: n.node })));
  const sessions = nodes.flatMap((n) => n.budgets.sessions.map((s) => ({ ...s, node: n.node })));
  const queue = nodes.map((n) => `${n.node}: ${fmt(n.budgets.gmQueue.depth)} in queue, ${fmt(n.budgets.gmQueue.open)} not taken`).join(' · ');
  const worldRows = worlds.map((w) =>
    h('tr', { class: 'world', 'data-world': w.world, 'data-node': w.node }, td(null, String(w.node)), td(null, String(w.world)), td(null, String(w.week ?? '–')), td({ class: 'num' }, usd(w.spentUsd)), td({ class: 'num' }, w.limitUsd === null ? '–' : usd(w.limitUsd)), td({ class: w.use !== null && w.use >= 0.85 ? 'num fail' : 'num' }, w.use === null ? '–' : `${fmt(w.use * 100)} %`), td({ class: 'num' }, usd(w.costUsd)), td({ class: 'num' }, fmt(w.inputTokens + w.outputTokens))),
  );
  const sessionRows = sessions.map((s) => h('tr', { class: 'session-cost', 'data-session': s.session }, td(null, String(s.node)), td(null, String(s.session)), td(null, String(s.world)), td({ class: 'num' }, usd(s.costUsd)), td({ class: 'num' }, fmt(s.inputTokens)), td({ class: 'num' }, fmt(s.outputTokens))));
  $('#budgets-body').replaceChildren(
    h('p', { id: 'gm-queue-depth' }, 'Human GM queue — ', queue),
    h('table', null, h('thead', null, h('tr', null, ['node', 'world', 'week'].map((t) => th(t)), ['spent', 'weekly budget', 'use', 'cost here', 'tokens here'].map((t) => th(t, 'num')))), h('tbody', null, worldRows)),
    h('table', null, h('thead', null, h('tr', null, ['node', 'session', 'world'].map((t) => th(t)), ['cost', 'input tokens', 'output tokens'].map((t) => th(t, 'num')))), h('tbody', null, sessionRows)),
  );
}

function renderQuarantine(view) {
  const rows = view.nodes.flatMap((n) => n.quarantine.latest);
  const total = view.nodes.reduce((sum, n) => sum + n.quarantine.size, 0);
  if (rows.length === 0) return $('#quarantine-body').replaceChildren(h('p', { class: 'dim', id: 'quarantine-empty' }, 'No quarantined messages.'));
  const head = h('thead', null, h('tr', null, ['node', 'id', 'to', 'type', 'error'].map((t) => th(t)), th('attempts', 'num'), th('at'), th('message'), th('')));
  const body = h(
    'tbody',
    null,
    rows.map((q) =>
      h(
        'tr',
        { class: 'q', 'data-qid': `${q.node}/${q.id}`, 'data-to': q.to },
        td(null, String(q.node)),
        td(null, String(q.id)),
        td(null, String(q.to)),
        td(null, String(q.messageType)),
        td({ class: 'fail' }, String(q.error)),
        td({ class: 'num' }, fmt(q.attempts)),
        td(null, time(q.at)),
        td({ class: 'dim' }, h('code', null, String(q.preview ?? ''))),
        td(
          null,
          h('button', { 'data-act': 'redrive', 'data-node': q.node, 'data-qid': q.id }, 'Re-drive'),
          ' ',
          h('button', { class: 'danger', 'data-act': 'drop', 'data-node': q.node, 'data-qid': q.id }, 'Drop'),
        ),
      ),
    ),
  );
  $('#quarantine-body').replaceChildren(h('p', { class: 'dim' }, `${fmt(total)} quarantined (latest shown)`), h('table', null, head, body));
}

/** An actor's row; `where` (search results) adds a cell naming its node and worker. */
function actorRow(a, node, thread, where) {
  const f = a.lastFailure;
  const buttons = ['passivate', 'restart'].map((action, i) => [
    i > 0 ? ' ' : null,
    h('button', { 'data-act': action, 'data-kind': a.kind, 'data-id': a.id, 'data-node': node }, action === 'passivate' ? 'Passivate' : 'Restart'),
  ]);
  return h(
    'tr',
    { class: 'actor', 'data-actor': `${a.kind}:${a.id}`, 'data-node': node, 'data-thread': thread, 'data-status': a.status, 'data-restarts': a.restarts },
    td(null, `${a.kind}:${a.id}`, a.parent ? [' ', dim(`child of ${a.parent}`)] : null),
    td(null, status(a.status)),
    td({ class: 'num' }, fmt(a.restarts)),
    td({ class: 'num' }, fmt(a.mailbox)),
    td({ class: 'num' }, fmt(a.rate, 1)),
    td(null, f ? [fail(String(f.message)), ' ', dim(`on ${f.messageType}, ${time(f.at)}`)] : null),
    where === undefined ? null : td(null, where),
    td(null, buttons),
  );
}

function actorHead(where) {
  return h('tr', null, th('actor / kind'), th('status'), th('restarts', 'num'), th('mailbox', 'num'), th('msg/s', 'num'), th('last failure'), where ? th('where') : null, th(''));
}

function renderWorker(n, w) {
  const s = w.sample;
  const exit = w.lastExit;
  const head = h(
    'div',
    { class: 'worker-head' },
    h('strong', null, `worker ${w.thread}`),
    ' ',
    status(w.status),
    ' ',
    h('span', null, `restarts ${fmt(w.restarts)}`),
    exit ? fail(`last exit ${exit.code}${exit.error ? `: ${exit.error}` : ''} ${ago(exit.at)}`) : null,
    ' ',
    s
      ? [
          h('span', null, `${fmt(s.actors)} actors`),
          h('span', null, `mailboxes ${fmt(s.mailboxTotal)}`),
          h('span', null, `${fmt(s.rate, 1)} msg/s`),
          h('span', null, `busy ${fmt(s.utilization * 100)} %`),
          h('span', null, `loop delay p99 ${fmt(s.eventLoopDelayMs.p99, 1)} ms`),
        ]
      : dim('down: no actors shown'),
    ' ',
    h('button', { 'data-act': 'drain-worker', 'data-node': n.node, 'data-thread': w.thread, class: 'danger' }, 'Drain worker'),
  );
  const box = h('div', { class: 'worker', 'data-node': n.node, 'data-thread': w.thread, 'data-status': w.status }, head);
  if (!s) return box;
  const groups = s.kinds.map((k) => {
    const key = `${n.node}|${w.thread}|${k.kind}`;
    const open = expanded.has(key);
    const statuses = Object.entries(k.byStatus).map(([st, c]) => [status(st), ` ${fmt(c)} `]);
    const f = k.lastFailure;
    const rows = open ? expanded.get(key) : null;
    return h(
      'tbody',
      null,
      h(
        'tr',
        { class: open ? 'group open' : 'group', 'data-group': key, 'data-node': n.node, 'data-thread': w.thread, 'data-kind': k.kind },
        td(null, String(k.kind), ' ', dim(`× ${fmt(k.count)}`)),
        td(null, statuses),
        td({ class: 'num' }, fmt(k.restarts)),
        td({ class: 'num' }, fmt(k.mailbox)),
        td({ class: 'num' }, fmt(k.rate, 1)),
        td(null, f ? [fail(String(f.message)), ' ', dim(`${f.actor} on ${f.messageType}, ${time(f.at)}`)] : null),
        td(null),
      ),
      rows ? rows.actors.map((a) => actorRow(a, n.node, w.thread)) : null,
      rows && rows.actors.length < rows.total
        ? h('tr', null, td({ colspan: 7 }, h('button', { class: 'link', 'data-more': key }, `show more (${fmt(rows.total - rows.actors.length)} left)`)))
        : null,
    );
  });
  const notable =
    s.notable.length === 0
      ? null
      : h('tbody', { class: 'notable' }, h('tr', null, h('th', { colspan: 7 }, 'needs attention')), s.notable.map((a) => actorRow(a, n.node, w.thread)));
  box.append(h('table', null, h('thead', null, actorHead(false)), groups, notable));
  return box;
}

function renderNodes(view) {
  const nodes = view.nodes.map((n) => {
    const p = n.process;
    const actors = n.workers.reduce((sum, w) => sum + (w.sample?.actors ?? 0), 0);
    const rate = n.workers.reduce((sum, w) => sum + (w.sample?.rate ?? 0), 0);
    const head = h(
      'div',
      { class: 'node-head' },
      h('h3', null, `node ${n.node}`),
      dim(`${n.mode}${n.node === view.via ? ' · this node' : ''}`),
      h('span', null, `CPU ${fmt(p.cpu * 100)} % of ${fmt(p.cores)} cores`),
      h('span', null, `RSS ${bytes(p.memory.rss)}, heap ${bytes(p.memory.heapUsed)}`),
      h('span', null, `loop delay p99 ${fmt(p.eventLoopDelayMs.p99, 1)} ms`),
      h('span', null, `${fmt(actors)} actors`),
      h('span', null, `${fmt(rate, 1)} msg/s`),
      n.stream ? h('span', null, `stream: ${fmt(n.stream.queued)} queued, ${fmt(n.stream.inFlight)} in flight`) : null,
      overridesSpan(n),
      n.mode === 'cluster' ? h('button', { class: 'danger', 'data-act': 'drain-node', 'data-node': n.node }, 'Drain node…') : null,
    );
    return h('div', { class: 'node', 'data-node': n.node }, head, n.workers.map((w) => renderWorker(n, w)));
  });
  const missing = view.missing.map((m) => h('div', { class: 'node', 'data-node': m, 'data-missing': 'true' }, h('strong', null, String(m)), ' ', fail('no recent report')));
  $('#nodes').replaceChildren(...nodes, ...missing);
}

function render(view) {
  lastView = view;
  renderSignals(view);
  renderBudgets(view);
  renderQuarantine(view);
  renderNodes(view);
  $('#updated').textContent = `updated ${time(view.at)} via ${view.via}`;
}

async function loadGroup(key, more = false) {
  const [node, thread, kind] = key.split('|');
  const have = more ? (expanded.get(key)?.actors ?? []) : [];
  const page = await api(`/ops/api/actors?${new URLSearchParams({ node, thread, kind, offset: String(have.length), limit: String(PAGE) })}`);
  expanded.set(key, { total: page.total, actors: [...have, ...page.actors] });
}

/** Re-reads every expanded group (as many rows as were shown), then renders the view. */
async function refresh(view) {
  await Promise.all(
    [...expanded.keys()].map(async (key) => {
      const [node, thread, kind] = key.split('|');
      const shown = Math.max(PAGE, expanded.get(key).actors.length);
      const page = await api(`/ops/api/actors?${new URLSearchParams({ node, thread, kind, offset: '0', limit: String(Math.min(shown, 1000)) })}`).catch(() => null);
      if (page) expanded.set(key, page);
    }),
  );
  render(view);
}

function drainPreview(preview) {
  const flows = Object.entries(preview.byNode).map(([id, f]) => h('tr', null, td(null, id), td({ class: 'num' }, fmt(f.out)), td({ class: 'num' }, fmt(f.in))));
  const moves = preview.sample.map((m) => h('tr', null, td(null, String(m.id)), td(null, String(m.from)), td(null, String(m.to))));
  return [
    h('p', null, `${fmt(preview.moved)} of ${fmt(preview.total)} actors in memory move to ${preview.remaining.join(', ')}; the node then leaves the cluster and stops.`),
    h('table', { id: 'preview-flows' }, h('thead', null, h('tr', null, th('node'), th('out', 'num'), th('in', 'num'))), h('tbody', null, flows)),
    moves.length > 0 ? h('table', null, h('thead', null, h('tr', null, th('actor id'), th('from'), th('to'))), h('tbody', null, moves)) : null,
  ];
}

document.addEventListener('click', async (ev) => {
  const target = ev.target instanceof Element ? ev.target : null;
  if (!target) return;
  const button = target.closest('button[data-act]');
  if (button) {
    const d = button.dataset;
    if (d.act === 'passivate' || d.act === 'restart') return act({ action: d.act, kind: d.kind, id: d.id, node: d.node });
    if (d.act === 'redrive') return act({ action: 'redrive', node: d.node, quarantineId: d.qid });
    if (d.act === 'drop') {
      const body = h('p', null, 'Message ', h('code', null, d.qid), ` on ${d.node} will be discarded for good.`);
      if (await confirmAction('Drop a quarantined message', body)) await act({ action: 'drop', node: d.node, quarantineId: d.qid });
      return;
    }
    if (d.act === 'drain-worker') {
      const body = h('p', null, 'Every actor of the worker is passivated (state saved); they come back on their next message.');
      if (await confirmAction(`Drain worker ${d.thread} of ${d.node}`, body)) await act({ action: 'drain-worker', node: d.node, thread: Number(d.thread) });
      return;
    }
    if (d.act === 'drain-node') {
      let preview;
      try {
        preview = await api(`/ops/api/drain-preview?${new URLSearchParams({ node: d.node })}`);
      } catch (err) {
        return toast(`preview failed — ${err.message}`);
      }
      if (await confirmAction(`Drain node ${d.node}`, drainPreview(preview))) await act({ action: 'drain-node', node: d.node });
      return;
    }
  }
  const more = target.closest('button[data-more]');
  if (more) {
    await loadGroup(more.dataset.more, true).catch((err) => toast(err.message));
    return lastView && render(lastView);
  }
  const group = target.closest('tr.group');
  if (group) {
    const key = group.dataset.group;
    if (expanded.has(key)) expanded.delete(key);
    else await loadGroup(key).catch((err) => toast(err.message));
    if (lastView) render(lastView);
  }
});

$('#search').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const q = $('#search-q').value.trim();
  if (!q) return;
  try {
    const r = await api(`/ops/api/search?${new URLSearchParams({ q })}`);
    const body = $('#search-body');
    body.replaceChildren(
      r.actors.length === 0
        ? h('p', { class: 'dim' }, `No actor in memory has an id containing “${q}”.`)
        : h('table', null, h('thead', null, actorHead(true)), h('tbody', null, r.actors.map((a) => actorRow(a, a.node, a.thread, `${a.node}/${a.thread}`)))),
    );
    if (r.unreachable.length) body.append(h('p', { class: 'fail' }, `not searched: ${r.unreachable.join(', ')}`));
    $('#search-results').hidden = false;
  } catch (err) {
    toast(err.message);
  }
});
$('#search-close').addEventListener('click', () => ($('#search-results').hidden = true));

function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ops/ws?${new URLSearchParams({ token })}`);
  const conn = $('#conn');
  ws.onopen = () => {
    conn.dataset.state = 'live';
    conn.textContent = 'live';
  };
  let busy = false;
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type !== 'view' || busy) return;
    busy = true;
    refresh(msg.view).finally(() => (busy = false));
  };
  ws.onclose = (ev) => {
    conn.dataset.state = 'closed';
    conn.textContent = ev.code === 4401 ? 'token expired: reopen with a new one' : 'disconnected — retrying';
    if (ev.code !== 4401) setTimeout(connect, 2000);
  };
}

connect();

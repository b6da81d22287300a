// The ops page: plain JS, no build step. Live cluster view over /ops/ws, expansions, search and
// actions over the JSON API, all with the ops token the page was opened with.
const token = new URLSearchParams(location.search).get('token') ?? '';
const $ = (sel) => document.querySelector(sel);
const PAGE = 100;

/** Expanded groups ("node|thread|kind") → rows shown so far. */
const expanded = new Map();
let lastView = null;

/** Every value from a report (this node's or another's) goes into the page through esc or textContent. */
function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
const fmt = (n, digits = 0) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en', { maximumFractionDigits: digits }));
const bytes = (n) => `${fmt(n / 1048576, 1)} MiB`;
const ago = (at) => (at ? `${fmt((Date.now() - at) / 1000, 0)} s ago` : '');
const status = (s) => `<span class="status" data-s="${esc(s)}">${esc(s)}</span>`;

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

/** Asks for confirmation in a <dialog>; resolves true when confirmed. */
function confirmAction(title, html) {
  const d = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-body').innerHTML = html;
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
  $('#signals-body').innerHTML = `<div class="signals">${rows
    .map((s) => {
      const value = s.value === null ? '–' : s.unit === 'ratio' ? `${fmt(s.value * 100, 0)} %` : `${fmt(s.value, 2)} ${esc(s.unit)}`;
      const limit = s.unit === 'ratio' ? `${fmt(s.threshold * 100)} %` : `${fmt(s.threshold, 2)} ${esc(s.unit)}`;
      const state = s.firing ? 'act now' : s.over ? `over since ${ago(s.overSince)}, fires after ${fmt(s.sustainMs / 60000)} min` : 'ok';
      return `<div class="signal" data-signal="${esc(s.id)}" data-node="${esc(s.node)}" data-over="${esc(s.over)}" data-firing="${esc(s.firing)}">
        <div>${esc(s.label)} <span class="dim">· ${esc(s.node)}</span></div>
        <div class="value">${value} <span class="dim">/ ${limit}</span></div>
        <div class="dim">${esc(s.detail)} — ${esc(state)}</div>
        <div>${s.over ? '<strong>Action:</strong> ' : '<span class="dim">Action when over: </span>'}${esc(s.action)}</div></div>`;
    })
    .join('')}</div>`;
}

function renderQuarantine(view) {
  const rows = view.nodes.flatMap((n) => n.quarantine.latest);
  const total = view.nodes.reduce((sum, n) => sum + n.quarantine.size, 0);
  $('#quarantine-body').innerHTML =
    rows.length === 0
      ? '<p class="dim" id="quarantine-empty">No quarantined messages.</p>'
      : `<p class="dim">${fmt(total)} quarantined (latest shown)</p><table><thead><tr><th>node</th><th>id</th><th>to</th><th>type</th><th>error</th><th class="num">attempts</th><th>at</th><th>message</th><th></th></tr></thead><tbody>${rows
          .map(
            (q) => `<tr class="q" data-qid="${esc(q.node)}/${esc(q.id)}" data-to="${esc(q.to)}">
              <td>${esc(q.node)}</td><td>${esc(q.id)}</td><td>${esc(q.to)}</td><td>${esc(q.messageType)}</td><td class="fail">${esc(q.error)}</td>
              <td class="num">${fmt(q.attempts)}</td><td>${new Date(q.at).toLocaleTimeString()}</td><td class="dim"><code>${esc(q.preview)}</code></td>
              <td><button data-act="redrive" data-node="${esc(q.node)}" data-qid="${esc(q.id)}">Re-drive</button> <button class="danger" data-act="drop" data-node="${esc(q.node)}" data-qid="${esc(q.id)}">Drop</button></td></tr>`,
          )
          .join('')}</tbody></table>`;
}

function actorRow(a, node, thread) {
  const f = a.lastFailure;
  return `<tr class="actor" data-actor="${esc(a.kind)}:${esc(a.id)}" data-node="${esc(node)}" data-thread="${esc(thread)}" data-status="${esc(a.status)}" data-restarts="${esc(a.restarts)}">
    <td>${esc(a.kind)}:${esc(a.id)}${a.parent ? ` <span class="dim">child of ${esc(a.parent)}</span>` : ''}</td><td>${status(a.status)}</td>
    <td class="num">${fmt(a.restarts)}</td><td class="num">${fmt(a.mailbox)}</td><td class="num">${fmt(a.rate, 1)}</td>
    <td>${f ? `<span class="fail">${esc(f.message)}</span> <span class="dim">on ${esc(f.messageType)}, ${new Date(f.at).toLocaleTimeString()}</span>` : ''}</td>
    <td><button data-act="passivate" data-kind="${esc(a.kind)}" data-id="${esc(a.id)}" data-node="${esc(node)}">Passivate</button> <button data-act="restart" data-kind="${esc(a.kind)}" data-id="${esc(a.id)}" data-node="${esc(node)}">Restart</button></td></tr>`;
}

const ACTOR_HEAD = '<tr><th>actor / kind</th><th>status</th><th class="num">restarts</th><th class="num">mailbox</th><th class="num">msg/s</th><th>last failure</th><th></th></tr>';

function renderWorker(n, w) {
  const s = w.sample;
  const head = `<div class="worker-head"><strong>worker ${esc(w.thread)}</strong> ${status(w.status)}
    <span>restarts ${fmt(w.restarts)}</span>${w.lastExit ? `<span class="fail">last exit ${esc(w.lastExit.code)}${w.lastExit.error ? `: ${esc(w.lastExit.error)}` : ''} ${ago(w.lastExit.at)}</span>` : ''}
    ${s ? `<span>${fmt(s.actors)} actors</span><span>mailboxes ${fmt(s.mailboxTotal)}</span><span>${fmt(s.rate, 1)} msg/s</span><span>busy ${fmt(s.utilization * 100)} %</span><span>loop delay p99 ${fmt(s.eventLoopDelayMs.p99, 1)} ms</span>` : '<span class="dim">down: no actors shown</span>'}
    <button data-act="drain-worker" data-node="${esc(n.node)}" data-thread="${esc(w.thread)}" class="danger">Drain worker</button></div>`;
  if (!s) return `<div class="worker" data-node="${esc(n.node)}" data-thread="${esc(w.thread)}" data-status="${esc(w.status)}">${head}</div>`;
  const groups = s.kinds
    .map((k) => {
      const key = `${n.node}|${w.thread}|${k.kind}`;
      const open = expanded.has(key);
      const statuses = Object.entries(k.byStatus).map(([st, c]) => `${status(st)} ${fmt(c)}`).join(' ');
      const f = k.lastFailure;
      const rows = open ? expanded.get(key) : null;
      return `<tbody><tr class="group${open ? ' open' : ''}" data-group="${esc(key)}" data-node="${esc(n.node)}" data-thread="${esc(w.thread)}" data-kind="${esc(k.kind)}">
        <td>${esc(k.kind)} <span class="dim">× ${fmt(k.count)}</span></td><td>${statuses}</td><td class="num">${fmt(k.restarts)}</td><td class="num">${fmt(k.mailbox)}</td><td class="num">${fmt(k.rate, 1)}</td>
        <td>${f ? `<span class="fail">${esc(f.message)}</span> <span class="dim">${esc(f.actor)} on ${esc(f.messageType)}, ${new Date(f.at).toLocaleTimeString()}</span>` : ''}</td><td></td></tr>
        ${rows ? rows.actors.map((a) => actorRow(a, n.node, w.thread)).join('') + (rows.actors.length < rows.total ? `<tr><td colspan="7"><button class="link" data-more="${esc(key)}">show more (${fmt(rows.total - rows.actors.length)} left)</button></td></tr>` : '') : ''}</tbody>`;
    })
    .join('');
  const notable = s.notable.length === 0 ? '' : `<tbody class="notable"><tr><th colspan="7">needs attention</th></tr>${s.notable.map((a) => actorRow(a, n.node, w.thread)).join('')}</tbody>`;
  return `<div class="worker" data-node="${esc(n.node)}" data-thread="${esc(w.thread)}" data-status="${esc(w.status)}">${head}
    <table><thead>${ACTOR_HEAD}</thead>${groups}${notable}</table></div>`;
}

function renderNodes(view) {
  const missing = view.missing.map((m) => `<div class="node" data-node="${esc(m)}" data-missing="true"><strong>${esc(m)}</strong> <span class="fail">no recent report</span></div>`).join('');
  $('#nodes').innerHTML =
    view.nodes
      .map((n) => {
        const p = n.process;
        const actors = n.workers.reduce((sum, w) => sum + (w.sample?.actors ?? 0), 0);
        const rate = n.workers.reduce((sum, w) => sum + (w.sample?.rate ?? 0), 0);
        return `<div class="node" data-node="${esc(n.node)}">
          <div class="node-head"><h3>node ${esc(n.node)}</h3><span class="dim">${esc(n.mode)}${n.node === view.via ? ' · this node' : ''}</span>
          <span>CPU ${fmt(p.cpu * 100)} % of ${fmt(p.cores)} cores</span><span>RSS ${bytes(p.memory.rss)}, heap ${bytes(p.memory.heapUsed)}</span>
          <span>loop delay p99 ${fmt(p.eventLoopDelayMs.p99, 1)} ms</span><span>${fmt(actors)} actors</span><span>${fmt(rate, 1)} msg/s</span>
          ${n.stream ? `<span>stream: ${fmt(n.stream.queued)} queued, ${fmt(n.stream.inFlight)} in flight</span>` : ''}
          ${n.mode === 'cluster' ? `<button class="danger" data-act="drain-node" data-node="${esc(n.node)}">Drain node…</button>` : ''}</div>
          ${n.workers.map((w) => renderWorker(n, w)).join('')}</div>`;
      })
      .join('') + missing;
}

function render(view) {
  lastView = view;
  renderSignals(view);
  renderQuarantine(view);
  renderNodes(view);
  $('#updated').textContent = `updated ${new Date(view.at).toLocaleTimeString()} via ${view.via}`;
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

document.addEventListener('click', async (ev) => {
  const target = ev.target instanceof Element ? ev.target : null;
  if (!target) return;
  const button = target.closest('button[data-act]');
  if (button) {
    const d = button.dataset;
    if (d.act === 'passivate' || d.act === 'restart') return act({ action: d.act, kind: d.kind, id: d.id, node: d.node });
    if (d.act === 'redrive') return act({ action: 'redrive', node: d.node, quarantineId: d.qid });
    if (d.act === 'drop') {
      if (await confirmAction('Drop a quarantined message', `<p>Message <code>${esc(d.qid)}</code> on ${esc(d.node)} will be discarded for good.</p>`)) await act({ action: 'drop', node: d.node, quarantineId: d.qid });
      return;
    }
    if (d.act === 'drain-worker') {
      if (await confirmAction(`Drain worker ${d.thread} of ${d.node}`, '<p>Every actor of the worker is passivated (state saved); they come back on their next message.</p>')) await act({ action: 'drain-worker', node: d.node, thread: Number(d.thread) });
      return;
    }
    if (d.act === 'drain-node') {
      let preview;
      try {
        preview = await api(`/ops/api/drain-preview?${new URLSearchParams({ node: d.node })}`);
      } catch (err) {
        return toast(`preview failed — ${err.message}`);
      }
      const flows = Object.entries(preview.byNode).map(([id, f]) => `<tr><td>${esc(id)}</td><td class="num">${fmt(f.out)}</td><td class="num">${fmt(f.in)}</td></tr>`).join('');
      const moves = preview.sample.map((m) => `<tr><td>${esc(m.id)}</td><td>${esc(m.from)}</td><td>${esc(m.to)}</td></tr>`).join('');
      const html = `<p>${fmt(preview.moved)} of ${fmt(preview.total)} actors in memory move to ${preview.remaining.map(esc).join(', ')}; the node then leaves the cluster and stops.</p>
        <table id="preview-flows"><thead><tr><th>node</th><th class="num">out</th><th class="num">in</th></tr></thead><tbody>${flows}</tbody></table>
        ${moves ? `<table><thead><tr><th>actor id</th><th>from</th><th>to</th></tr></thead><tbody>${moves}</tbody></table>` : ''}`;
      if (await confirmAction(`Drain node ${d.node}`, html)) await act({ action: 'drain-node', node: d.node });
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
    $('#search-body').innerHTML =
      r.actors.length === 0
        ? `<p class="dim">No actor in memory has an id containing “${esc(q)}”.</p>`
        : `<table><thead>${ACTOR_HEAD.replace('<th></th></tr>', '<th>where</th><th></th></tr>')}</thead><tbody>${r.actors.map((a) => actorRow(a, a.node, a.thread).replace('<td><button', `<td>${esc(a.node)}/${esc(a.thread)}</td><td><button`)).join('')}</tbody></table>`;
    if (r.unreachable.length) $('#search-body').insertAdjacentHTML('beforeend', `<p class="fail">not searched: ${r.unreachable.map(esc).join(', ')}</p>`);
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

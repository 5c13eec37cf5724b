// The ComputeGrid dashboard: reads the API it is served by (`cgrid serve`), follows the
// channel list live (`/events`), and sends actions only with the operator's token. Everything
// shown is set as text, never as markup.
'use strict';

const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = 'cgrid-operator-token';
const state = { list: [], status: null, total: [], current: null, lastDetail: 0 };

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
function authHeaders() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!res.ok) {
    const why = body && body.error ? body.error : `the API answered ${res.status}`;
    const err = new Error(why);
    err.status = res.status;
    throw err;
  }
  return body;
}

const shortId = (id) => `${id.slice(0, 10)}…${id.slice(-6)}`;
const amount = (v) => (v === null || v === undefined ? 'withheld' : Number(v).toLocaleString('en'));
const unsettledOf = (c) => (c.owed === null || c.settled.amount === null ? null : c.owed - c.settled.amount);

function cell(row, text, label, cls) {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (cls) td.className = cls;
  if (text instanceof Node) td.append(text); else td.textContent = text;
  row.append(td);
  return td;
}

function maskMarker(c) {
  if (!c.masked) return '';
  const span = document.createElement('span');
  span.className = 'mask';
  span.textContent = `MASKED · reason ${c.masked.reason_code}`;
  span.title = `withheld by a regulator: ${c.masked.scope.join(', ') || 'the whole record'}`;
  return span;
}

// --- overview --------------------------------------------------------------------------------

function renderOverview() {
  const list = state.list;
  const open = list.filter((c) => c.phase === 'open' || c.phase === 'checkpointing').length;
  const minutes = list.reduce((s, c) => s + c.minutes, 0);
  const known = list.map(unsettledOf).filter((v) => v !== null);
  const withheld = list.length - known.length;
  const unsettled = known.reduce((s, v) => s + v, 0);
  const disputes = list.filter((c) => c.phase === 'disputed').length;
  $('[data-figure="open"]').textContent = open;
  $('[data-figure="minutes"]').textContent = minutes.toLocaleString('en');
  $('[data-figure="unsettled"]').textContent =
    unsettled.toLocaleString('en') + (withheld ? ` (+${withheld} withheld)` : '');
  $('[data-figure="disputes"]').textContent = disputes;
  $('[data-figure="watchtower"]').textContent = state.status ? state.status.watchtower : '–';

  const body = $('#channels tbody');
  body.replaceChildren();
  for (const c of list) {
    const row = document.createElement('tr');
    row.dataset.channel = c.id;
    const link = document.createElement('a');
    link.href = `#/channel/${c.id}`;
    link.textContent = shortId(c.id);
    link.title = c.id;
    cell(row, link, 'Channel');
    cell(row, c.phase, 'Phase');
    cell(row, c.minutes.toLocaleString('en'), 'Minutes', 'num');
    cell(row, amount(c.owed), 'Billed', 'num');
    cell(row, amount(c.settled.amount), 'Settled', 'num');
    cell(row, amount(unsettledOf(c)), 'Unsettled', 'num');
    cell(row, c.job ? c.job.state : '–', 'Job');
    cell(row, maskMarker(c) || '–', 'Mask');
    body.append(row);
  }
  $('#empty').hidden = list.length > 0;
}

function recordTotal() {
  const total = state.list.reduce((s, c) => s + (c.owed === null ? 0 : c.owed), 0);
  const last = state.total[state.total.length - 1];
  if (!last || last.v !== total) state.total.push({ t: Date.now(), v: total });
  if (state.total.length > 500) state.total.shift();
  drawChart($('#total-chart'), state.total.map((p, i) => [i, p.v]), false);
}

// --- charts ----------------------------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
function drawChart(svg, points, withDots) {
  svg.replaceChildren();
  if (points.length === 0) return;
  const W = 600, H = 160, pad = 6;
  const maxX = Math.max(1, ...points.map((p) => p[0]));  // x from 0
  const maxY = Math.max(1, ...points.map((p) => p[1]));
  const x = (v) => pad + (v / maxX) * (W - 2 * pad);
  const y = (v) => H - pad - (v / maxY) * (H - 2 * pad);
  // The line starts at the origin (nothing billed before the first minute) and a lone
  // point draws flat; the dots are the points themselves.
  const drawn = withDots ? [[0, 0], ...points]
    : points.length === 1 ? [[0, points[0][1]], [1, points[0][1]]] : points;
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', drawn.map((p) => `${x(p[0])},${y(p[1])}`).join(' '));
  line.setAttribute('class', 'line');
  svg.append(line);
  if (withDots) {
    for (const [px, py] of points) {
      const dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('cx', x(px));
      dot.setAttribute('cy', y(py));
      dot.setAttribute('r', points.length > 200 ? 0.8 : 2.5);
      dot.setAttribute('class', 'point');
      svg.append(dot);
    }
  }
}

// --- one channel -----------------------------------------------------------------------------

function pairs(dl, entries) {
  dl.replaceChildren();
  for (const [k, v] of entries) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
}

const when = (ms) => (ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '–');

async function renderChannel(id) {
  const [c, history] = await Promise.all([
    api(`/channels/${id}`),
    api(`/channels/${id}/history`),
  ]);
  state.lastDetail = Date.now();
  $('#channel-title').textContent = `Channel ${shortId(c.id)}`;
  $('#channel-title').title = c.id;
  const banner = $('#masked');
  if (c.masked) {
    banner.hidden = false;
    banner.textContent = `MASKED by a regulator (reason ${c.masked.reason_code}, since ${when(c.masked.since)}): ` +
      `${c.masked.scope.join(', ') || 'the whole record'} withheld` +
      (c.masked.withheld.length ? `; not shown here: ${c.masked.withheld.join(', ')}` : '');
  } else {
    banner.hidden = true;
  }
  const chain = c.on_chain || {};
  const withheldDid = (d) => (d === null || d === undefined ? 'withheld' : d);
  pairs($('#terms'), [
    ['Provider', c.on_chain ? withheldDid(chain.provider_did) : '–'],
    ['Consumer', c.on_chain ? withheldDid(chain.consumer_did) : '–'],
    ['Price per minute', amount(c.price_per_minute)],
    ['Minimum cost', amount(c.min_cost)],
    ['Deposit', amount(c.deposit)],
    ['Challenge period', chain.challenge_period ? `${chain.challenge_period / 1000} s` : '–'],
    ['Opened', when(chain.opened_at)],
    ['Expires', when(chain.expires_at)],
  ]);
  pairs($('#progress'), [
    ['Phase (this controller)', c.phase],
    ['Phase (escrow)', chain.phase || '–'],
    ['Minutes billed', c.minutes.toLocaleString('en')],
    ['Billed', amount(c.owed)],
    ['Checkpointed', `minute ${c.settled.nonce}: ${amount(c.settled.amount)}`],
    ['Paid on chain', `${amount(chain.paid)} (minute ${chain.nonce ?? '–'})`],
    ['Job', c.job ? c.job.state + (c.job.error ? `: ${c.job.error}` : '') : '–'],
  ]);
  const hidden = history.some((s) => s.cumulative === null);
  $('#chart-caption').textContent = hidden
    ? 'Billed amount by minute: withheld under the mask'
    : `Billed amount by minute (${history.length} signed states)`;
  drawChart($('#channel-chart'), hidden ? [] : history.map((s) => [s.nonce, s.cumulative]), true);
  const body = $('#states tbody');
  body.replaceChildren();
  for (const s of history.slice(-20).reverse()) {
    const row = document.createElement('tr');
    cell(row, s.nonce, 'Minute', 'num');
    cell(row, amount(s.cumulative), 'Cumulative', 'num');
    cell(row, s.signature ? `${s.signature.slice(0, 18)}…` : 'withheld', 'Signature', 'mono');
    body.append(row);
  }
  const mode = state.status ? state.status.actions : 'open';
  $('#actions-note').textContent = {
    open: 'Anyone who reaches this API may act (it runs without a token).',
    'read-only': 'This API is read-only: it was started without an operator token.',
    token: token() ? 'Actions are sent with the operator\'s token from this tab.'
      : 'Actions need the operator\'s API token (enter it below).',
    policy: 'An access policy decides; actions need the operator\'s token.',
  }[mode] || '';
}

async function act(what) {
  const id = state.current;
  const out = $('#action-result');
  out.className = '';
  out.textContent = `${what}…`;
  try {
    await api(`/channels/${id}/${what}`, { method: 'POST' });
    out.textContent = `${what}: sent`;
    out.className = 'ok';
    await renderChannel(id);
  } catch (e) {
    out.textContent = `${what} refused: ${e.message}`;
    out.className = 'refused';
  }
}

// --- routing, live updates -------------------------------------------------------------------

function route() {
  const m = location.hash.match(/^#\/channel\/(0x[0-9a-fA-F]{64})$/);
  state.current = m ? m[1] : null;
  $('#overview').hidden = Boolean(m);
  $('#channel').hidden = !m;
  $('#action-result').textContent = '';
  if (m) renderChannel(m[1]).catch(showError);
  $('#main').focus({ preventScroll: true });
}

function showError(e) {
  $('#live').textContent = e.message;
  $('#mode').textContent = `error: ${e.message}`;
}

function onList(list) {
  state.list = Array.isArray(list) ? list : [];
  renderOverview();
  recordTotal();
  $('#live').textContent = `${state.list.length} channels, ${state.list.reduce((s, c) => s + c.minutes, 0)} minutes billed`;
  const id = state.current;
  if (id && state.list.some((c) => c.id === id) && Date.now() - state.lastDetail > 1000) {
    renderChannel(id).catch(showError);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function follow() {
  for (;;) {
    try {
      const res = await fetch('/events', { headers: { ...authHeaders(), Accept: 'text/event-stream' } });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        throw new Error(body.error || `the API answered ${res.status}`);
      }
      $('#mode').textContent = modeText();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (block.split('\n').includes('event: channels') && data) onList(JSON.parse(data));
        }
      }
    } catch (e) {
      showError(e);
    }
    await sleep(1000);
  }
}

function modeText() {
  const s = state.status;
  if (!s) return '';
  const who = s.mode === 'demo' ? 'the demo node on the embedded chain' : 'this party\'s store';
  return `Live: ${who}. Actions: ${s.actions}.`;
}

async function start() {
  $('#token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim());
    $('#token').value = '';
    route();
  });
  $('#forget').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); route(); });
  $('#checkpoint').addEventListener('click', () => act('checkpoint'));
  $('#close').addEventListener('click', () => act('close'));
  window.addEventListener('hashchange', route);
  try {
    state.status = await api('/status');
  } catch (e) {
    showError(e);
  }
  $('#mode').textContent = modeText();
  route();
  follow();
}

start();

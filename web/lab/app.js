// zeroshift lab dashboard: polls GET /api/state and draws it; the buttons POST
// /api/next, /api/rollback, /api/naive and /api/reset. Plain DOM, no framework;
// every value from the server goes through textContent, never innerHTML.
'use strict';

const POLL_MS = 700;
const LOG_LINES = 60;

// What each state means, in plain words, and what it changes in the database.
const STEP_TEXT = {
  v1: {
    title: 'Before: the v1 table',
    explain:
      'The table has one column, name, holding the full name ("Alice Smith"). Every ' +
      'application client runs v1 of the code: it reads and writes name only. Press ' +
      '"Next step" to begin the change without stopping them.',
    db: 'users(id, name, …). No extra columns, triggers or schemas.',
  },
  expand: {
    title: '1. Expand',
    explain:
      'Add the new columns first_name and last_name next to name. They are nullable, so ' +
      'no running client notices them, and nothing old is altered or dropped. Each ALTER ' +
      'TABLE needs its lock for an instant only; zeroshift runs it under a short ' +
      'lock_timeout and retries, so it never queues in front of the clients.',
    db: 'ALTER TABLE users ADD COLUMN first_name, last_name (nullable, no rewrite). The new ' +
      'columns are empty (NULL) in every existing row.',
  },
  dual_write: {
    title: '2. Dual write',
    explain:
      'From now on every write keeps both shapes in step: when a v1 client writes name, a ' +
      'trigger fills first_name and last_name from it, and a write of first_name and ' +
      'last_name by a v2 client fills name. Clients still read name, so stopping here or ' +
      'rolling back loses nothing.',
    db: 'Triggers on users: up = split_part(name, \' \', 1) and substring(name from \' (.*)$\') ' +
      '(the rest after the first space), down = concat_ws(\' \', first_name, last_name). New ' +
      'and updated rows get all three columns.',
  },
  backfill: {
    title: '3. Backfill',
    explain:
      'Rows written before the triggers existed still have NULL in the new columns. ' +
      'zeroshift fills them in small batches by primary key, each batch its own short ' +
      'transaction, so a client waits at most for one batch and never for the whole table. ' +
      'Watch the NULL cells fill in and the progress bar move.',
    db: 'UPDATE users … WHERE id in the next batch, repeated until every row has ' +
      'first_name and last_name.',
  },
  shift_reads: {
    title: '4. Shift reads',
    explain:
      'The application fleet is redeployed as v2: it reads and writes first_name and ' +
      'last_name through the new version of the schema. The triggers still keep name up to ' +
      'date, so v1 could take over again at any moment: this is the safety net the seed ' +
      'keeps open for days.',
    db: 'Nothing changes in the table: v2 clients use the version schema ' +
      'public_02_split_name (views over users) via their search_path.',
  },
  contract: {
    title: '5. Contract',
    explain:
      'v2 runs cleanly, so zeroshift removes what only v1 needed: the triggers, the old ' +
      'version and the column name. Only this DROP needs a lock, for an instant; no row is ' +
      'rewritten. The change is complete and no request had to fail.',
    db: 'DROP the triggers; ALTER TABLE users DROP COLUMN name. users is now (id, ' +
      'first_name, last_name).',
  },
  naive: {
    title: 'The naive script',
    explain:
      'The seed\'s five statements run in one transaction under the v1 workload. The first ' +
      'ALTER TABLE takes an AccessExclusiveLock on users and holds it while both UPDATEs ' +
      'rewrite every row: every request waits behind it (see the locks table) and times ' +
      'out. When it commits, name is gone and the v1 clients fail.',
    db: 'ADD COLUMN ×2, UPDATE every row ×2, DROP COLUMN name, all under one exclusive lock.',
  },
};

// Where MariaDB differs (the server says which database: state.database).
const MARIADB_TEXT = {
  v1: { db: 'users(id, name, visits). No extra columns, triggers or databases.' },
  expand: {
    explain:
      'Add the new columns first_name and last_name next to name. They are nullable, so ' +
      'no running client notices them, and nothing old is altered or dropped. Each ALTER ' +
      'TABLE is ALGORITHM=INSTANT and needs the exclusive metadata lock for an instant only; ' +
      'zeroshift bounds its wait with max_statement_time and retries, so it never queues in ' +
      'front of the clients.',
    db: 'ALTER TABLE users ADD COLUMN first_name, last_name, ALGORITHM=INSTANT (no rewrite). ' +
      'The new columns are empty (NULL) in every existing row.',
  },
  dual_write: {
    db: 'BEFORE INSERT and BEFORE UPDATE triggers on users: up = SUBSTRING_INDEX(name, \' \', 1) ' +
      'and the rest after the first space, down = CONCAT_WS(\' \', first_name, last_name). A ' +
      'write\'s shape comes from the session\'s @zeroshift_version.',
  },
  backfill: {
    db: 'UPDATE users … WHERE id in the next primary-key range, READ COMMITTED, repeated until ' +
      'every row has first_name and last_name.',
  },
  shift_reads: {
    db: 'Nothing changes in the table: v2 clients USE the version database ' +
      'zeroshift_lab_02_split_name (views over users) and SET @zeroshift_version.',
  },
  contract: {
    explain:
      'v2 runs cleanly, so zeroshift removes what only v1 needed: the triggers, the old ' +
      'version and the column name. On MariaDB it does so under LOCK TABLES users WRITE, so ' +
      'no write slips in between; clients wait for that moment (see the latency chart), and no ' +
      'row is rewritten. The change is complete and no request had to fail.',
    db: 'LOCK TABLES users WRITE; DROP the triggers; ALTER TABLE users DROP COLUMN name; ' +
      'UNLOCK TABLES. users is now (id, visits, first_name, last_name).',
  },
  naive: {
    explain:
      'The seed\'s statements run under the v1 workload. On MariaDB, BEGIN does not hold DDL ' +
      'back: each ALTER commits on its own. The full-table UPDATE locks rows, not the table, ' +
      'so reads by id keep being answered while writes wait behind it (see the locks table). ' +
      'DROP COLUMN needs the exclusive metadata lock, and from then on every v1 client fails ' +
      'with "Unknown column \'name\'".',
    db: 'ADD COLUMN ×2 (each commits), UPDATE every row (row locks), DROP COLUMN name.',
  },
};

const DEFAULT_STEPS = ['expand', 'dual_write', 'backfill', 'shift_reads', 'contract'];
const COLUMN_VERSION = { name: 'v1', first_name: 'v2', last_name: 'v2' };

const $ = (id) => document.getElementById(id);

// el('td', {class: 'x', 'data-column': 'name'}, 'text')
function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatCount(n) {
  return Number(n || 0).toLocaleString('en-US');
}

function formatMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 1000) return (ms / 1000).toFixed(ms >= 10000 ? 0 : 1) + ' s';
  return (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)) + ' ms';
}

function stepText(name) {
  const text = STEP_TEXT[name] || { title: name, explain: '', db: '' };
  const state = view.lastState;
  if (state && state.database === 'MariaDB' && MARIADB_TEXT[name]) {
    return { ...text, ...MARIADB_TEXT[name] };
  }
  return text;
}

// The database the lab runs on, in the page's headings.
function renderDatabase(state) {
  if (state.database) $('db-name').textContent = state.database;
  if (state.locks_source) $('locks-source').textContent = state.locks_source;
  document.body.dataset.database = state.database || '';
}

// ---- state kept between polls ----------------------------------------------

const view = {
  lastState: null,
  freshUntil: new Map(),  // column -> time until which it is highlighted
  marks: [],              // [{t, label}] moments a step or the naive script began
  marked: new Set(),      // steps that have their mark
  naiveRunning: false,
  initialized: false,     // false until the first snapshot is drawn
  clock: { elapsed: null, at: 0 },  // last elapsed_s seen and when (page clock)
  seenColumns: null,      // every column shown so far; a new one is highlighted
  inFlight: false,
};

// ---- rendering ---------------------------------------------------------------

function stepList(state) {
  if (Array.isArray(state.steps) && state.steps.length > 0) return state.steps;
  return DEFAULT_STEPS.map((name) => ({ name, title: stepText(name).title, state: 'pending' }));
}

function runningStep(state) {
  if (!state.busy) return null;
  if (state.busy_with === 'naive') return 'naive';
  const running = stepList(state).find((s) => s.state === 'running');
  if (running) return running.name;
  return state.busy_with || null;
}

function renderStepper(state) {
  const list = $('stepper');
  list.replaceChildren();
  let nextMarked = false;
  stepList(state).forEach((step, i) => {
    let shown = step.state || 'pending';
    if (shown === 'pending' && !state.busy && !nextMarked) {
      shown = 'next';
      nextMarked = true;
    }
    if (shown !== 'pending') nextMarked = true;
    const item = el('li', {
      'data-step': step.name,
      'data-state': shown,
      'data-number': String(i + 1),
      'data-testid': 'step-' + step.name,
      title: step.explain || stepText(step.name).explain,
    });
    const known = STEP_TEXT[step.name];
    const title = ((known && known.title) || step.title || step.name).replace(/^\d+\.\s*/, '');
    item.append(el('span', { class: 'step-title' }, title));
    let meta = '';
    if (step.state === 'running') meta = 'running…';
    else if (step.state === 'done' && step.duration_ms != null) meta = 'took ' + formatMs(step.duration_ms);
    else if (step.state === 'done') meta = 'done';
    else if (shown === 'next') meta = 'next';
    item.append(el('span', { class: 'step-meta' }, meta));
    list.append(item);
  });
}

function renderExplanation(state) {
  const running = runningStep(state);
  const name = running || (state.mode === 'naive' ? 'naive' : state.step || 'v1');
  const text = stepText(name);
  const serverStep = stepList(state).find((s) => s.name === name);
  let title = text.title;
  if (running) title += ' — running…';
  else if (name === 'contract' || name === 'naive') title += ' — done';
  $('step-title').textContent = title;
  $('step-explain').textContent = text.explain || (serverStep && serverStep.explain) || '';
  $('step-db').textContent = text.db || '';
}

// The naive script's statements as they run, with how long each took.
function renderNaiveSteps(state) {
  const steps = Array.isArray(state.naive_steps) ? state.naive_steps : [];
  const list = $('naive-steps');
  list.hidden = state.mode !== 'naive' || steps.length === 0;
  list.replaceChildren(
    ...steps.map((step) => {
      const item = el('li', { 'data-state': step.state || '' });
      item.append(el('code', {}, step.sql || step.name || ''));
      const took = step.state === 'running' ? 'running…' : step.duration_ms != null ? formatMs(step.duration_ms) : '';
      item.append(el('span', { class: 'took' }, took));
      return item;
    }),
  );
}

function renderControls(state) {
  const busy = !!state.busy || view.inFlight;
  const step = state.step || 'v1';
  const canRollBack = ['expand', 'dual_write', 'backfill', 'shift_reads'].includes(step);
  const next = stepList(state).find((s) => s.state === 'pending');
  $('btn-next').disabled = busy || !next;
  $('btn-next').textContent = next ? 'Next step: ' + stepText(next.name).title.replace(/^\d+\.\s*/, '') : 'Next step';
  $('btn-rollback').disabled = busy || !canRollBack;
  $('btn-naive').disabled = busy;
  $('btn-reset').disabled = busy;
  let hint = '';
  if (state.busy) hint = 'Wait for ' + (state.busy_with || 'the current step') + ' to finish.';
  else if (!next && step === 'contract') hint = 'All five steps done. Reset to start again, or run the naive script to compare.';
  else if (canRollBack) hint = 'Rollback returns to v1 without losing a write made through either version.';
  $('controls-hint').textContent = hint;
}

function renderBanner(message) {
  const banner = $('banner');
  banner.hidden = !message;
  banner.textContent = message || '';
}

function renderStats(state) {
  const stats = state.stats || {};
  const set = (id, text, value, cls) => {
    const node = $(id);
    node.textContent = text;
    node.dataset.value = value === undefined || value === null ? '' : String(value);
    node.className = 'value' + (cls ? ' ' + cls : '');
  };
  const uptime = stats.uptime_percent;
  set('stat-uptime', uptime == null ? '–' : (uptime === 100 ? '100' : uptime.toFixed(1)) + ' %', uptime,
      uptime == null ? '' : uptime >= 100 ? 'good' : 'bad');
  const rps = stats.requests_per_s;
  set('stat-rps', rps == null ? '–' : rps.toFixed(rps >= 100 ? 0 : 1), rps);
  set('stat-p99', formatMs(stats.p99_ms), stats.p99_ms);
  set('stat-requests', formatCount(stats.requests), stats.requests);
  set('stat-errors', formatCount(stats.errors), stats.errors, stats.errors > 0 ? 'bad' : 'good');
  set('stat-client', stats.client_version || '–', stats.client_version);
}

function columnHeader(column, fresh) {
  const th = el('th', { 'data-column': column, class: fresh ? 'fresh' : null }, column);
  const version = COLUMN_VERSION[column];
  if (version) th.append(el('span', { class: 'tag ' + version }, version));
  return th;
}

function renderUsers(state) {
  const columns = Array.isArray(state.columns) ? state.columns : [];
  const rows = Array.isArray(state.rows) ? state.rows : [];
  const now = Date.now();
  if (view.seenColumns) {
    for (const c of columns) if (!view.seenColumns.has(c)) view.freshUntil.set(c, now + 6000);
  } else {
    view.seenColumns = new Set();
  }
  for (const c of columns) view.seenColumns.add(c);
  // Back at v1 (after a rollback or reset), the v2 columns count as new again.
  if (state.step === 'v1' && !state.busy && state.mode !== 'naive') view.seenColumns = new Set(columns);
  const fresh = (c) => (view.freshUntil.get(c) || 0) > now;

  const table = $('users-table');
  table.dataset.columns = columns.join(',');
  const head = el('tr');
  for (const c of columns) head.append(columnHeader(c, fresh(c)));
  table.tHead.replaceChildren(head);

  const body = document.createDocumentFragment();
  for (const row of rows) {
    const tr = el('tr');
    row.forEach((cell, i) => {
      const isNull = cell === null || cell === undefined;
      const classes = [isNull ? 'null' : '', fresh(columns[i]) ? 'fresh' : ''].join(' ').trim();
      tr.append(el('td', { 'data-column': columns[i], class: classes || null }, isNull ? 'NULL' : String(cell)));
    });
    body.append(tr);
  }
  table.tBodies[0].replaceChildren(body);
  const note = $('rows-note');
  note.hidden = !state.rows_note;
  note.textContent = state.rows_note ? 'Showing the last rows read: ' + state.rows_note : '';
}

function renderLog(state) {
  const entries = Array.isArray(state.log) ? state.log.slice(-LOG_LINES).reverse() : [];
  const list = $('request-log');
  list.replaceChildren(
    ...entries.map((entry) => {
      const item = el('li', { class: entry.ok ? 'ok' : 'error', 'data-ok': String(!!entry.ok) });
      item.append(el('span', { class: 't' }, Number(entry.t || 0).toFixed(1) + ' s'));
      item.append(el('span', { class: 'text' }, entry.text || ''));
      return item;
    }),
  );
}

function renderLocks(state) {
  const locks = Array.isArray(state.locks) ? state.locks : [];
  const body = $('locks-table').tBodies[0];
  body.replaceChildren(
    ...locks.map((lock) => {
      const mode = String(lock.mode || '');
      const classes = [mode.includes('AccessExclusive') ? 'exclusive' : '', lock.granted ? '' : 'waiting'];
      const tr = el('tr', { class: classes.join(' ').trim() || null });
      tr.append(el('td', {}, String(lock.pid ?? '')));
      tr.append(el('td', {}, lock.application || ''));
      tr.append(el('td', {}, mode));
      tr.append(el('td', {}, lock.granted ? 'held' : 'waiting'));
      tr.append(el('td', { class: 'query' }, lock.query || ''));
      return tr;
    }),
  );
  $('locks-table').hidden = locks.length === 0;
  $('locks-empty').hidden = locks.length > 0;
}

function renderBackfill(state) {
  const backfill = state.backfill;
  const box = $('backfill');
  if (!backfill || !backfill.rows_total) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const done = Math.min(backfill.rows_done || 0, backfill.rows_total);
  const percent = (100 * done) / backfill.rows_total;
  $('backfill-bar').style.width = percent.toFixed(1) + '%';
  box.dataset.percent = percent.toFixed(1);
  let text = formatCount(done) + ' of ' + formatCount(backfill.rows_total) + ' rows (' + percent.toFixed(0) + ' %)';
  if (backfill.rows_per_s) text += ', ' + formatCount(Math.round(backfill.rows_per_s)) + ' rows/s';
  $('backfill-text').textContent = text;
}

// Remembers when each step (or the naive script) began, for the chart's marks.
// A step can start and end between two polls, so its start is taken from its
// duration; steps already taken when the page opened get no mark.
// The lab's clock now: elapsed_s advances once a second, so the time since it
// last changed is added from the page's clock.
function serverNow(state) {
  const elapsed = state.stats && state.stats.elapsed_s;
  if (elapsed == null) return view.clock.elapsed || 0;
  if (elapsed !== view.clock.elapsed) view.clock = { elapsed, at: Date.now() };
  return elapsed + (Date.now() - view.clock.at) / 1000;
}

function trackMarks(state) {
  const elapsed = serverNow(state);
  const latency = Array.isArray(state.latency) ? state.latency : [];
  const first = latency.length ? latency[0].t : 0;
  view.marks = view.marks.filter((m) => m.t <= elapsed + 1 && m.t >= first - 1);
  for (const step of stepList(state)) {
    const begun = step.state === 'running' || step.state === 'done';
    if (!begun) {
      view.marked.delete(step.name);
    } else if (!view.marked.has(step.name)) {
      view.marked.add(step.name);
      if (view.initialized) {
        const label = stepText(step.name).title.replace(/^\d+\.\s*/, '');
        const latest = view.marks.length ? view.marks[view.marks.length - 1].t : -Infinity;
        view.marks.push({ t: Math.max(latest, elapsed - (step.duration_ms || 0) / 1000), label });
      }
    }
  }
  const naive = runningStep(state) === 'naive';
  if (naive && !view.naiveRunning) view.marks.push({ t: elapsed, label: 'naive script' });
  view.naiveRunning = naive;
  view.initialized = true;
}

function renderChart(state) {
  const svg = $('latency-chart');
  const points = Array.isArray(state.latency) ? state.latency : [];
  const width = Math.max(300, Math.round(svg.clientWidth || 800));
  const height = 220;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const pad = { left: 52, right: 10, top: 32, bottom: 24 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  svg.replaceChildren();
  if (points.length === 0) {
    svg.append(svgEl('text', { x: pad.left, y: height / 2, class: 'axis-label' }, 'waiting for the first second of requests…'));
    return;
  }
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + 10);
  const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * plotW;
  // Log scale: a healthy millisecond and a multi-second stall on one chart.
  const peak = Math.max(10, ...points.map((p) => p.max_ms || p.p99_ms || 0));
  const top = Math.pow(10, Math.ceil(Math.log10(peak)));
  const bottom = 0.1;
  const y = (ms) => {
    const v = Math.log10(Math.max(bottom, Math.min(top, ms || bottom)));
    return pad.top + plotH - ((v - Math.log10(bottom)) / (Math.log10(top) - Math.log10(bottom))) * plotH;
  };
  for (let tick = bottom; tick <= top; tick *= 10) {
    svg.append(svgEl('line', { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), class: 'grid-line' }));
    svg.append(svgEl('text', { x: pad.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'axis-label' }, formatMs(tick)));
  }
  svg.append(svgEl('text', { x: pad.left, y: height - 6, class: 'axis-label' }, `${t0.toFixed(0)} s`));
  svg.append(svgEl('text', { x: width - pad.right, y: height - 6, 'text-anchor': 'end', class: 'axis-label' }, `${t1.toFixed(0)} s`));

  const slot = Math.max(2, plotW / Math.max(1, t1 - t0));
  for (const p of points) {
    if (p.errors > 0) {
      svg.append(svgEl('rect', { x: x(p.t) - slot / 2, y: pad.top, width: slot, height: plotH, class: 'err' }));
    }
  }
  const path = (key) => points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join('');
  svg.append(svgEl('path', { d: path('max_ms'), class: 'max' }));
  svg.append(svgEl('path', { d: path('p99_ms'), class: 'p99' }));
  let previousLabelX = -Infinity;
  let row = 0;
  for (const mark of view.marks) {
    if (mark.t < t0 || mark.t > t1) continue;
    // Labels of steps close in time go on alternate rows instead of overlapping.
    row = x(mark.t) - previousLabelX < 90 ? 1 - row : 0;
    previousLabelX = x(mark.t);
    svg.append(svgEl('line', { x1: x(mark.t), x2: x(mark.t), y1: pad.top, y2: pad.top + plotH, class: 'mark' }));
    const nearRight = x(mark.t) > width - pad.right - 110;  // keep the label inside the chart
    svg.append(svgEl('text', {
      x: x(mark.t) + (nearRight ? -3 : 3), y: pad.top - 5 - row * 13, class: 'mark-label',
      'text-anchor': nearRight ? 'end' : 'start',
    }, mark.label));
  }
}

function render(state) {
  view.lastState = state;
  document.body.dataset.step = state.step || '';
  document.body.dataset.busy = String(!!state.busy);
  trackMarks(state);
  renderDatabase(state);
  renderStepper(state);
  renderExplanation(state);
  renderNaiveSteps(state);
  renderControls(state);
  renderStats(state);
  renderBackfill(state);
  renderUsers(state);
  renderLog(state);
  renderLocks(state);
  renderChart(state);
  if (!view.actionError) renderBanner(state.error ? 'The lab reported: ' + state.error : '');
}

// ---- talking to the server ---------------------------------------------------

function setConnected(value, text) {
  document.body.dataset.connected = value;
  $('connection').textContent = text;
}

async function poll() {
  try {
    const res = await fetch('/api/state', { cache: 'no-store' });
    if (!res.ok) throw new Error('GET /api/state answered ' + res.status);
    render(await res.json());
    setConnected('true', 'live');
  } catch (err) {
    setConnected('lost', 'no answer from zeroshift lab; is it still running?');
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

// The run's token, written into the page by the server: state-changing
// requests without it (from other sites) are refused with 403.
const LAB_TOKEN = document.querySelector('meta[name="zeroshift-lab-token"]')?.content ?? '';

async function act(path) {
  view.inFlight = true;
  view.actionError = null;
  if (view.lastState) renderControls(view.lastState);
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'X-Zeroshift-Lab-Token': LAB_TOKEN },
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 202) {
      render(body);
    } else {
      view.actionError = body.error || `${path} answered ${res.status}`;
      renderBanner(view.actionError);
    }
  } catch (err) {
    view.actionError = `${path} failed: ${err.message}`;
    renderBanner(view.actionError);
  } finally {
    view.inFlight = false;
    if (view.lastState) renderControls(view.lastState);
  }
}

function clearActionError() {
  view.actionError = null;
}

$('btn-next').addEventListener('click', () => act('/api/next'));
$('btn-rollback').addEventListener('click', () => act('/api/rollback'));
$('btn-naive').addEventListener('click', () => act('/api/naive'));
$('btn-reset').addEventListener('click', () => {
  view.marks = [];
  act('/api/reset');
});
$('banner').addEventListener('click', () => {
  clearActionError();
  renderBanner('');
});
window.addEventListener('resize', () => view.lastState && renderChart(view.lastState));
poll();

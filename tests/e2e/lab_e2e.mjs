// End-to-end test of the lab dashboard: starts `zeroshift lab --serve` on a free
// port, opens the page in Debian's headless chromium (playwright-core, never a
// downloaded browser), clicks "Next step" through the five steps and checks
// that the users table changes shape as expand-contract says and that the
// workload keeps running without an error. Saves a screenshot at the end.
// Runs twice: on PostgreSQL (the default), then on MariaDB (--db mariadb, a
// smaller table: the lab starts its own throwaway MariaDB).
//
//   node lab_e2e.mjs path/to/zeroshift      (or ZEROSHIFT_BIN=...)
//   LAB_SCREENSHOT=where/dashboard.png      default: build/lab/dashboard.png (MariaDB's:
//                                           dashboard-mariadb.png beside it)
//   CHROMIUM=/usr/bin/chromium              the browser binary
// Exit codes: 0 passed, 1 failed, 77 skipped (chromium or node_modules missing).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.argv[2] || process.env.ZEROSHIFT_BIN;
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshotPath = path.resolve(
  process.env.LAB_SCREENSHOT || path.join(here, '..', '..', 'build', 'lab', 'dashboard.png'));
const STARTUP_TIMEOUT_MS = 180_000;  // embedded PostgreSQL + loading 20 000 rows
const STEP_TIMEOUT_MS = 180_000;
const TABLE_TIMEOUT_MS = 15_000;
const STEPS = ['expand', 'dual_write', 'backfill', 'shift_reads', 'contract'];

function skip(reason) {
  console.log(`lab_e2e: SKIPPED: ${reason}`);
  process.exit(SKIP);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function loadPlaywright() {
  if (!existsSync(chromiumPath)) {
    skip(`${chromiumPath} is missing; install Debian's chromium (scripts/setup-debian.sh)`);
  }
  try {
    return await import('playwright-core');
  } catch (err) {
    skip(`playwright-core is not installed; run: cd ${here} && npm ci (${err.code || err.message})`);
  }
}

// The two labs: the database's name as the page shows it, the lab's arguments
// and where the screenshot goes.
const LABS = [
  {
    database: 'PostgreSQL',
    args: ['--rows', '20000', '--file', path.join(here, '..', '..', 'examples', '02_split_name.yaml')],
    screenshot: screenshotPath,
  },
  {
    database: 'MariaDB',
    args: ['--db', 'mariadb', '--rows', '2000',
           '--file', path.join(here, '..', '..', 'examples', 'mariadb', '02_split_name.yaml')],
    screenshot: screenshotPath.replace(/(\.png)?$/, '-mariadb.png'),
  },
];

// Starts the lab and resolves with its dashboard URL once it prints it.
function startLab(lab) {
  check(binary, 'pass the zeroshift binary: node lab_e2e.mjs path/to/zeroshift');
  check(existsSync(binary), `the zeroshift binary ${binary} does not exist; build it first`);
  const args = ['lab', '--serve', '--port', '0', '--clients', '2', ...lab.args];
  console.log(`lab_e2e: starting ${binary} ${args.join(' ')}`);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "dashboard: http://..." line within ${STARTUP_TIMEOUT_MS / 1000} s; ` +
                             `output so far:\n${output}`)),
      STARTUP_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`zeroshift lab exited (${signal || code}) before serving; output:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

// SIGTERM (Serve returns and the lab shuts its PostgreSQL down), SIGKILL if it hangs.
async function stopLab(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error('lab_e2e: zeroshift lab ignored SIGTERM for 30 s; killing it');
    child.kill('SIGKILL');
  }, 30_000);
  await exited;
  clearTimeout(timer);
}

// What the page shows right now, read from its DOM.
async function readPage(page) {
  return page.evaluate(() => {
    const table = document.getElementById('users-table');
    const columns = [...table.tHead.querySelectorAll('th')].map((th) => th.dataset.column);
    const rows = [...table.tBodies[0].rows].map((tr) =>
      [...tr.cells].map((td) => (td.classList.contains('null') ? null : td.textContent)));
    const stat = (id) => document.getElementById(id).dataset.value;
    return {
      database: document.getElementById('db-name').textContent,
      step: document.body.dataset.step,
      busy: document.body.dataset.busy === 'true',
      connected: document.body.dataset.connected,
      banner: document.getElementById('banner').hidden ? '' : document.getElementById('banner').textContent,
      columns,
      rows,
      requests: Number(stat('stat-requests')),
      errors: Number(stat('stat-errors')),
      uptime: Number(stat('stat-uptime')),
      logLines: document.querySelectorAll('#request-log li').length,
      logErrors: document.querySelectorAll('#request-log li.error').length,
      nextEnabled: !document.getElementById('btn-next').disabled,
    };
  });
}

// Polls the page until `predicate(state)` holds; fails with the last state seen.
async function waitFor(page, what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let state;
  for (;;) {
    state = await readPage(page);
    if (predicate(state)) return state;
    if (state.banner) throw new Error(`${what}: the page shows an error: ${state.banner}`);
    if (Date.now() > deadline) {
      throw new Error(`${what}: not reached within ${timeoutMs / 1000} s; the page shows step=` +
                      `${state.step} busy=${state.busy} columns=${state.columns.join(',')}`);
    }
    await page.waitForTimeout(250);
  }
}

function column(state, name) {
  return state.rows.map((row) => row[state.columns.indexOf(name)]);
}

// The table must have the shape of each step (the seed's record layout).
function checkTable(step, state) {
  const has = (c) => state.columns.includes(c);
  check(state.rows.length > 0, `after ${step}: the users table on the page has no rows`);
  check(has('id'), `after ${step}: no id column; columns are ${state.columns}`);
  if (step === 'v1') {
    check(has('name') && !has('first_name') && !has('last_name'),
          `before expand: expected id, name, ... without first_name/last_name; got ${state.columns}`);
    return;
  }
  if (step === 'contract') {
    check(!has('name'), `after contract: name should be dropped; columns are ${state.columns}`);
    check(has('first_name') && has('last_name'),
          `after contract: first_name and last_name should remain; columns are ${state.columns}`);
  } else {
    check(has('name') && has('first_name') && has('last_name'),
          `after ${step}: name, first_name and last_name should all be there; got ${state.columns}`);
  }
  if (step === 'backfill' || step === 'shift_reads' || step === 'contract') {
    for (const c of ['first_name', 'last_name']) {
      const empty = column(state, c).filter((v) => v === null).length;
      check(empty === 0, `after ${step}: ${empty} of ${state.rows.length} rows still show NULL in ${c}`);
    }
  }
  if (step === 'backfill' || step === 'shift_reads') {
    const names = column(state, 'name');
    const first = column(state, 'first_name');
    const last = column(state, 'last_name');
    // The migration's up expressions (examples/02_split_name.yaml): split_part(name, ' ', 1)
    // and substring(name from ' (.*)$'), the rest after the first space (NULL without one).
    names.forEach((name, i) => {
      const text = String(name);
      const space = text.indexOf(' ');
      const rest = space < 0 ? null : text.slice(space + 1);
      check(first[i] === text.split(' ')[0] && (last[i] ?? null) === rest,
            `after ${step}: row ${i + 1} has name "${name}" but first_name "${first[i]}" ` +
            `and last_name "${last[i]}"`);
    });
  }
}

// The lab reads its first rows once a second, so the table may lag the step
// by a refresh: polls until it has the step's shape, or fails with why not.
async function waitForTable(page, step, timeoutMs = TABLE_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readPage(page);
    try {
      checkTable(step, state);
      return state;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`${err.message} (still so ${timeoutMs / 1000} s after the step ended)`);
      }
    }
    await page.waitForTimeout(250);
  }
}

async function run(playwright, url, lab) {
  const browser = await playwright.chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(url);
    let state = await waitFor(page, 'page connected', (s) => s.connected === 'true' && s.columns.length > 0,
                              30_000);
    check(state.step === 'v1' && !state.busy, `a fresh lab should be at v1, idle; the page shows ${state.step}`);
    check(state.database === lab.database,
          `the page should say it runs on ${lab.database}; its heading names ${state.database}`);
    state = await waitForTable(page, 'v1');
    const startRequests = state.requests;

    for (const step of STEPS) {
      await page.locator('#btn-next').waitFor();
      state = await waitFor(page, `"Next step" enabled before ${step}`, (s) => s.nextEnabled && !s.busy, 30_000);
      const before = Date.now();
      await page.click('#btn-next');
      state = await waitFor(page, `step ${step} finished`, (s) => s.step === step && !s.busy, STEP_TIMEOUT_MS);
      state = await waitForTable(page, step);
      check(state.errors === 0, `after ${step}: the workload counted ${state.errors} errors`);
      console.log(`lab_e2e: ${lab.database}: ${step} done in ${((Date.now() - before) / 1000).toFixed(1)} s; ` +
                  `columns ${state.columns.join(',')}; ${state.requests} requests, ${state.errors} errors`);
    }

    state = await waitFor(page, 'requests counted after the steps', (s) => s.requests > startRequests, 10_000);
    check(state.errors === 0, `the workload counted ${state.errors} errors during expand-contract`);
    check(state.uptime === 100, `uptime should stay 100 % during expand-contract; the page shows ${state.uptime}`);
    check(state.logLines > 0, 'the live request log is empty');
    check(state.logErrors === 0, `the live request log shows ${state.logErrors} failed requests`);
    check(!state.nextEnabled, '"Next step" should be disabled after contract');
    check(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);

    mkdirSync(path.dirname(lab.screenshot), { recursive: true });
    await page.screenshot({ path: lab.screenshot, fullPage: true });
    console.log(`lab_e2e: screenshot ${lab.screenshot}`);
    console.log(`lab_e2e: ${lab.database}: five steps, ${state.requests} requests, 0 errors, uptime 100 %`);
  } finally {
    await browser.close();
  }
}

// One lab from start to stop; false when it failed (the reason is printed).
async function runLab(playwright, spec) {
  let lab;
  try {
    lab = startLab(spec);
  } catch (err) {
    console.error(`lab_e2e: FAILED: ${err.message}`);
    return false;
  }
  const stop = () => {
    if (lab.child.exitCode === null && lab.child.signalCode === null) lab.child.kill('SIGKILL');
  };
  process.on('exit', stop);  // last resort: never leave the lab running
  try {
    const url = await lab.url;
    console.log(`lab_e2e: ${spec.database} dashboard at ${url}`);
    await run(playwright, url, spec);
    return true;
  } catch (err) {
    console.error(`lab_e2e: FAILED on ${spec.database}: ${err.message}`);
    console.error(`lab_e2e: zeroshift lab output (last 3000 characters):\n${lab.output().slice(-3000)}`);
    return false;
  } finally {
    await stopLab(lab.child);
  }
}

async function main() {
  const playwright = await loadPlaywright();
  let passed = 0;
  for (const spec of LABS) {
    if (await runLab(playwright, spec)) passed += 1;
  }
  if (passed === LABS.length) {
    console.log(`lab_e2e: PASSED on ${LABS.map((l) => l.database).join(' and ')}`);
  } else {
    process.exitCode = 1;
  }
}

await main();

// The comparison and the tables in Debian's headless Chromium: "where the time went" on the
// spark-local S3 pair (stage ids shift), the History Server's figures in the stage and executor
// tables, sorting, marking a stage in the charts, every control's URL round trip, no sideways
// scroll at 420 and 1440 px, and a screenshot of each (tests/e2e/artifacts).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launch, openPage, waitUntilReady } from './browser.mjs';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const dist = resolve(repo, 'dist');
const data = process.env.RUNLENS_DATA ?? resolve(repo, '../shared/data');
const artifacts = resolve(here, 'artifacts');
const haveData = existsSync(resolve(data, 'spark-local')) && existsSync(resolve(data, 'spark-tests'));
const needsData = haveData ? {} : { skip: `the real-data folder ${data} is absent` };

const S3 = '?before=/data/spark-local/app-20261121232835-0000&after=/data/spark-local/app-20261121233028-0000.lz4';

let server;
let browser;

before(async () => {
  assert.ok(existsSync(resolve(dist, 'index.html')), `${dist}/index.html is missing: run \`trunk build --release\` first`);
  const also = haveData ? [['/data/', data]] : [];
  server = await serve(dist, { mount: '/app/', also });
  browser = await launch();
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(query, options = {}) {
  const session = await openPage(browser, options);
  await session.page.goto(server.url + query);
  await waitUntilReady(session.page, 90_000);
  return session;
}

const params = (page) => new URL(page.url()).searchParams;

/** The page's width against its scrollable width: nothing may scroll sideways. */
async function assertNoSidewaysScroll(page, what) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${what}: the page scrolls sideways (${scroll} > ${client})`);
}

/** The text of every cell of a run's open table, row by row. */
const tableRows = (page, side) =>
  page.$$eval(`.run-table[data-run="${side}"] tbody tr`, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));

test('where the time went: S3 stages matched though their ids shift, the settings that differ at the top', { timeout: 120_000, ...needsData }, async () => {
  const { context, page, problems } = await open(S3);
  try {
    const summary = await page.textContent('[data-compare-summary]');
    assert.match(summary, /^1\.\d\d× slower: stage \d+ /, summary);
    // The section comes right after the summary header, settings before stages.
    const order = await page.$$eval('.timewent h3', (hs) => hs.map((h) => h.textContent));
    assert.match(order[0], /^What changed/);
    assert.match(order[1], /^Stages, the largest change first \(29: 0 new, 0 gone\)/);
    const partitions = await page.$$eval('[data-setting="spark.sql.shuffle.partitions"] td', (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(partitions, ['4', '64']);
    // Identity settings never show as changed.
    assert.equal(await page.locator('[data-setting="spark.app.id"]').count(), 0);
    // Paired bars, the largest change first; S3's shifted ids are shown as such.
    const changes = await page.$$eval('[data-stage-pairs] tbody tr td.delta', (tds) => tds.map((t) => t.firstChild.textContent));
    const secs = changes.map((c) => {
      const m = /^([+−±])(\d+(?:\.\d+)?) (ms|s)$/.exec(c.trim()) ?? /^±0$/.exec(c.trim());
      assert.ok(m, `a change reads as a signed duration: ${c}`);
      return m[3] === 'ms' ? Number(m[2]) / 1e3 : Number(m[2] ?? 0);
    });
    for (let i = 1; i < secs.length; i++) assert.ok(secs[i - 1] >= secs[i] - 1e-9, `sorted by change: ${changes}`);
    await page.click('.timewent button:has-text("Show all 29 stages")');
    const ids = await page.$$eval('[data-stage-pairs] tbody tr', (rows) => rows.map((r) => r.dataset.stageMatch));
    assert.equal(ids.length, 29);
    assert.ok(ids.some((id) => id === '16 → 12'), `S3's stage 16 is the after-run's 12: ${ids}`);
    const widths = await page.$$eval('[data-stage-pairs] .bar', (bars) => bars.map((b) => b.getBoundingClientRect().width));
    assert.ok(widths.some((w) => w > 100), 'the bars are drawn (the CSP allows their widths)');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('tables: sorting, marking a stage in the charts, every control in the URL, no sideways scroll', { timeout: 180_000, ...needsData }, async () => {
  const { context, page, problems } = await open(S3);
  try {
    // Stages, by default: both runs' 29 attempts.
    assert.equal(await page.getAttribute('[data-table-tab="stages"]', 'aria-selected'), 'true');
    assert.equal((await tableRows(page, 'before')).length, 29);
    assert.equal((await tableRows(page, 'after')).length, 29);
    // Sort by wall time: largest first, in the URL, both runs.
    await page.click('.run-table[data-run="before"] button[data-sort="wall"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === '-wall');
    const header = await page.$$eval('.run-table[data-run="before"] thead th', (ths) => ths.map((t) => t.textContent));
    const wallCol = header.indexOf('Wall time');
    const toS = (t) => (t.endsWith(' ms') ? parseFloat(t) / 1e3 : t.includes('min') ? 60 * parseFloat(t) + parseFloat(t.split('min')[1]) : parseFloat(t));
    for (const side of ['before', 'after']) {
      const walls = (await tableRows(page, side)).map((r) => toS(r[wallCol]));
      for (let i = 1; i < walls.length; i++) assert.ok(walls[i - 1] >= walls[i], `${side} sorted by wall time: ${walls}`);
    }
    await page.click('.run-table[data-run="before"] button[data-sort="wall"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'wall');
    assert.equal(await page.getAttribute(`.run-table[data-run="before"] thead th:nth-child(${wallCol + 1})`, 'aria-sort'), 'ascending');

    // Marking a stage changes the job execution view and the timeline, and is in the URL.
    const canvas = 'figure[data-view="execution"][data-run="before"] canvas';
    const pixels = () => page.$$eval('figure[data-view="execution"][data-run="before"] canvas', (cs) => cs.map((c) => c.toDataURL()).join());
    const plain = await pixels();
    await page.click('.run-table[data-run="before"] tr[data-stage="26"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('stage') === 'before:26');
    await page.waitForFunction(() => document.querySelector('.run-table[data-run="before"] tr[data-stage="26"]').classList.contains('marked'));
    await page.waitForTimeout(300);
    assert.notEqual(await pixels(), plain, 'the marked stage shows in the job execution view and the timeline');
    assert.ok(await page.locator(canvas).count());

    // Other tabs: executors (hosts), failed tasks (none in S3), jobs, SQL.
    await page.click('[data-table-tab="executors"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('table') === 'executors');
    const execs = await tableRows(page, 'before');
    assert.deepEqual(execs.map((r) => r[0]), ['driver', '0', '1']);
    await page.click('[data-table-tab="failures"]');
    assert.match(await page.textContent('.run-table[data-run="before"] [data-none]'), /No failed or killed tasks/);
    await page.click('[data-table-tab="jobs"]');
    const jobs = await tableRows(page, 'after');
    assert.ok(jobs.length > 0 && jobs.every((r) => r[2] === 'succeeded'), `${jobs}`);
    await page.click('[data-table-tab="sql"]');
    const sql = await tableRows(page, 'after');
    assert.ok(sql.length > 0, 'the SQL executions of S3');
    assert.ok(sql.some((r) => r[4] !== ''), 'each query lists its jobs');

    // A reload reproduces the screen: table, sort cleared by the tab change, marked stage.
    const before = page.url();
    await page.reload();
    await waitUntilReady(page, 90_000);
    assert.equal(page.url(), before);
    assert.equal(await page.getAttribute('[data-table-tab="sql"]', 'aria-selected'), 'true');
    assert.equal(params(page).get('stage'), 'before:26');
    await page.click('[data-table-tab="stages"]');
    assert.ok(await page.locator('.run-table[data-run="before"] tr[data-stage="26"].marked').count());

    // Nothing scrolls sideways, with the comparison and the widest table shown, at both widths.
    for (const width of [1440, 420]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(400);
      for (const tab of ['stages', 'failures', 'sql']) {
        await page.click(`[data-table-tab="${tab}"]`);
        await assertNoSidewaysScroll(page, `${width} px, ${tab}`);
      }
      await page.click('[data-table-tab="stages"]');
      await page.locator('.timewent').screenshot({ path: resolve(artifacts, `where-the-time-went-${width}.png`) });
      await page.locator('.tables').screenshot({ path: resolve(artifacts, `tables-stages-${width}.png`) });
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the stage and executor tables show what the History Server reports', { timeout: 90_000, ...needsData }, async () => {
  const expectations = resolve(data, 'spark-tests/expectations/spark-fork_0f887f4c');
  const summaries = JSON.parse(readFileSync(resolve(expectations, 'stage_with_summaries_expectation.json'), 'utf8'));
  const { context, page, problems } = await open('?run=/data/spark-tests/app-20200706201101-0003');
  try {
    const header = await page.$$eval('.run-table[data-run="before"] thead th', (ths) => ths.map((t) => t.textContent));
    const rows = await tableRows(page, 'before');
    const stage2 = rows.find((r) => r[0] === '2');
    assert.ok(stage2, 'stage 2 is listed');
    assert.equal(stage2[header.indexOf('Name')], summaries.name);
    // Task duration quantiles, as the stage page's summary: 1835, 1905, 1916, 1925, 1960 ms.
    const q = summaries.taskMetricsDistributions.duration.map((ms) => `${(ms / 1000).toFixed(1)} s`);
    assert.deepEqual(['Task min', '25th', 'Median', '75th', 'Max'].map((h) => stage2[header.indexOf(h)]), q);
    assert.equal(stage2[header.indexOf('Tasks (failed)')], `${summaries.numCompleteTasks} (${summaries.numFailedTasks})`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const execs = JSON.parse(readFileSync(resolve(expectations, 'executor_list_with_executor_metrics_json_expectation.json'), 'utf8'));
  const second = await open('?run=/data/spark-tests/application_1553914137147_0018&table=executors');
  try {
    const header = await second.page.$$eval('.run-table[data-run="before"] thead th', (ths) => ths.map((t) => t.textContent));
    const rows = await tableRows(second.page, 'before');
    for (const want of execs) {
      const row = rows.find((r) => r[0] === want.id);
      assert.ok(row, `executor ${want.id}`);
      assert.equal(row[header.indexOf('Host')], want.hostPort.replace(/:\d+$/, ''));
      assert.equal(row[header.indexOf('Tasks (failed)')], `${want.totalTasks} (${want.failedTasks})`);
    }
    assert.deepEqual(second.problems, []);
  } finally {
    await second.context.close();
  }
});

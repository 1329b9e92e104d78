// The fleet page in Debian's headless Chromium, on the fleet job's real output: the job
// (`python -m runlens.fleet --format json`, from .venv, on local[2]) runs over the shared logs,
// the page opens its JSON lines (`?fleet=URL&logs=PREFIX`), sorts, filters, and opens a run in
// the compare view with the job's previous run as Before. Screenshots at 1440 and 420 px. The rows
// are read and queried in the page's worker: after each control the test waits for the page's
// `data-ready` to come back.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launch, openPage, waitUntilReady } from './browser.mjs';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const dist = resolve(repo, 'dist');
const data = process.env.RUNLENS_DATA ?? resolve(repo, '../shared/data');
const artifacts = resolve(here, 'artifacts');
const python = resolve(repo, '.venv/bin/python');

let server;
let browser;
let rowsFile;
let rows;
let outDir;

before(async () => {
  assert.ok(existsSync(resolve(dist, 'index.html')), `${dist}/index.html is missing: run \`trunk build --release\` first`);
  assert.ok(existsSync(data), `the shared data ${data} is absent (set RUNLENS_DATA)`);
  assert.ok(existsSync(python), `${python} is missing: run scripts/setup, then scripts/python-tests (it installs the wheel)`);
  const out = mkdtempSync(join(tmpdir(), 'runlens-fleet-'));
  const job = spawnSync(
    python,
    ['-m', 'runlens.fleet', '--logs', data, '--out', join(out, 'rows'), '--format', 'json'],
    { encoding: 'utf8', timeout: 600_000, env: { ...process.env, PYSPARK_SUBMIT_ARGS: '--master local[2] pyspark-shell' } },
  );
  assert.equal(job.status, 0, `the fleet job failed:\n${job.stderr}`);
  const part = readdirSync(join(out, 'rows')).find((f) => f.startsWith('part-') && f.endsWith('.json'));
  assert.ok(part, 'the fleet job wrote no part file');
  rowsFile = `/fleet/rows/${part}`;
  outDir = out;
  rows = readFileSync(join(out, 'rows', part), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  server = await serve(dist, { mount: '/app/', also: [['/data/', data], ['/fleet/', out]] });
  browser = await launch();
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const shown = (page) =>
  page.$$eval('table.fleet-table tbody tr', (trs) =>
    trs.map((tr) => ({
      source: tr.dataset.source,
      // A row without the figure (an unreadable log) sorts last.
      wasted: tr.dataset.wasted === undefined ? -Infinity : Number(tr.dataset.wasted),
      duration: tr.dataset.duration === undefined ? -Infinity : Number(tr.dataset.duration),
      job: tr.dataset.job,
      findings: [...tr.querySelectorAll('.chip')].map((c) => c.textContent),
    })),
  );

function nonIncreasing(values, what) {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i] <= values[i - 1], `${what} not sorted descending at ${i}: ${values[i - 1]} then ${values[i]}`);
  }
}

test('the fleet page: sorted by money wasted, sorts, filters, opens a run to compare', { timeout: 300_000 }, async () => {
  assert.ok(rows.length >= 15, `the job gave ${rows.length} rows`);
  assert.ok(rows.some((r) => r.status === 'unreadable'), 'expected.json and the expectations are unreadable rows');
  const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 1000 } });
  try {
    await page.goto(`${server.url}?fleet=${encodeURIComponent(rowsFile)}&logs=${encodeURIComponent('/data/')}`);
    await waitUntilReady(page, 60_000);
    let list = await shown(page);
    assert.equal(list.length, rows.length, 'every row is shown');
    nonIncreasing(list.map((r) => r.wasted), 'wasted');
    assert.equal(await page.getAttribute('th[data-sort="wasted"]', 'aria-sort'), 'descending');
    const top = rows.reduce((a, b) => ((b.wasted_usd ?? 0) > (a.wasted_usd ?? 0) ? b : a));
    assert.equal(list[0].wasted, top.wasted_usd, 'the costliest waste comes first');
    const total = await page.textContent('[data-total]');
    assert.match(total, new RegExp(`^${rows.length} of ${rows.length} runs`));
    await page.screenshot({ path: resolve(artifacts, 'fleet-1440.png'), fullPage: true });

    // Sort by duration, then back.
    await page.click('th[data-sort="duration"] button');
    await waitUntilReady(page);
    assert.equal(await page.getAttribute('th[data-sort="duration"]', 'aria-sort'), 'descending');
    list = await shown(page);
    nonIncreasing(list.map((r) => r.duration), 'duration');
    assert.match(page.url(), /fsort=duration|fsort=-duration/);

    // Filter by finding, then by job.
    const kind = 'straggler';
    await page.selectOption('select[data-filter="finding"]', kind);
    await waitUntilReady(page);
    list = await shown(page);
    const withKind = rows.filter((r) => (r.findings ?? []).some((f) => f.kind === kind));
    assert.ok(withKind.length > 0, 'some shared run has a straggler');
    assert.equal(list.length, withKind.length);
    assert.ok(list.every((r) => r.findings.includes(kind)));
    assert.match(page.url(), /ffinding=straggler/);
    await page.selectOption('select[data-filter="finding"]', '');
    await waitUntilReady(page);

    const attempt = rows.find((r) => r.source.includes('multiple_attempts/attempt_2'));
    assert.ok(attempt, 'the two-attempt application is in the rows');
    const job = attempt.job_name ?? attempt.app_name;
    await page.fill('input[data-filter="job"]', job);
    await waitUntilReady(page);
    list = await shown(page);
    assert.ok(list.length >= 2 && list.every((r) => r.job === job), `only ${job}: ${JSON.stringify(list)}`);
    assert.match(page.url(), /fjob=/);
    await page.screenshot({ path: resolve(artifacts, 'fleet-filtered-1440.png'), fullPage: true });

    // Open the later attempt: compared with the earlier one.
    const link = page.locator(`tr[data-source="${attempt.source}"] a[data-open]`);
    assert.equal(await link.textContent(), 'compare with previous');
    await link.click();
    await page.waitForURL(/before=.*after=/);
    await waitUntilReady(page, 90_000);
    const url = new URL(page.url());
    assert.ok(url.searchParams.get('after').endsWith(attempt.files[0]));
    assert.ok(url.searchParams.get('before').includes('multiple_attempts/attempt_1'));
    await page.waitForSelector('[data-run="after"] .run-name, .run[data-run="after"]', { timeout: 60_000 }).catch(() => {});
    const heads = await page.$$eval('figure.chart[data-view="execution"]', (f) => f.length);
    assert.equal(heads, 2, 'before and after are drawn');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a rolling folder opens from the fleet page as the files of one run', { timeout: 120_000 }, async () => {
  const rolling = rows.find((r) => r.source.includes('eventlog_v2_spark-') && r.status !== 'unreadable');
  assert.ok(rolling && rolling.files.length >= 2, 'the Kubernetes rolling log is a row with its files');
  const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 1000 } });
  try {
    await page.goto(`${server.url}?fleet=${encodeURIComponent(rowsFile)}&logs=/data/`);
    await waitUntilReady(page, 60_000);
    await page.click(`tr[data-source="${rolling.source}"] a[data-open]`);
    await page.waitForURL(/run=/);
    await waitUntilReady(page, 90_000);
    const run = new URL(page.url()).searchParams.get('run');
    assert.equal(run.split('|').length, rolling.files.length, run);
    const charts = await page.$$eval('figure.chart[data-view="execution"]', (f) => f.length);
    assert.equal(charts, 1, 'the run is drawn');
    const failed = await page.$$eval('.failed, [role="alert"]', (e) => e.map((x) => x.textContent));
    assert.deepEqual(failed, []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the fleet page at 420 px, a bad rows file, and no file', { timeout: 120_000 }, async () => {
  const { context, page, problems } = await openPage(browser, { viewport: { width: 420, height: 900 } });
  try {
    await page.goto(`${server.url}?fleet=${encodeURIComponent(rowsFile)}&logs=/data/`);
    await waitUntilReady(page, 60_000);
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `the page scrolls sideways at 420 px (${scroll} > ${client})`);
    await page.screenshot({ path: resolve(artifacts, 'fleet-420.png'), fullPage: false });

    await page.goto(`${server.url}?fleet=${encodeURIComponent('/data/external/README.md')}`);
    await waitUntilReady(page, 30_000);
    const err = await page.textContent('.fleet-status.error');
    assert.match(err, /README\.md: line 1: not a fleet row/);

    await page.goto(`${server.url}?fleet=`);
    await waitUntilReady(page, 30_000);
    assert.match(await page.textContent('.fleet-status'), /Drop the fleet job's JSON lines here/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a fleet of 40 nights of the shared rows: the first 500 drawn, more on asking, the job filter over all of them', { timeout: 120_000 }, async () => {
  // The shared rows 40 times over, each copy its own run one day later.
  const day = 86_400_000;
  const many = [];
  for (let k = 0; k < 40; k++) {
    for (const r of rows) {
      many.push({ ...r, source: `${r.source}#${k}`, start_epoch_ms: r.start_epoch_ms == null ? null : r.start_epoch_ms + k * day });
    }
  }
  writeFileSync(join(outDir, 'many.json'), many.map((r) => JSON.stringify(r)).join('\n'));
  const { context, page, problems } = await openPage(browser, { viewport: { width: 1440, height: 1000 } });
  try {
    await page.goto(`${server.url}?fleet=/fleet/many.json&logs=/data/`);
    await waitUntilReady(page, 60_000);
    assert.equal((await shown(page)).length, 500, 'one page of rows');
    assert.match(await page.textContent('[data-total]'), new RegExp(`^${many.length} of ${many.length} runs`));
    await page.click('button[data-more]');
    await waitUntilReady(page);
    assert.equal((await shown(page)).length, 1000);
    await page.click('button[data-more]');
    await waitUntilReady(page);
    const list = await shown(page);
    assert.equal(list.length, many.length, 'every row once asked for');
    assert.ok(await page.isHidden('button[data-more]'));
    nonIncreasing(list.map((r) => r.wasted), 'wasted');
    // A job's sparkline holds all 40 of its runs.
    const job = list[0].job;
    await page.fill('input[data-filter="job"]', job);
    await waitUntilReady(page);
    const title = await page.textContent('table.fleet-table tbody tr:first-child svg.spark title');
    const runsOfJob = many.filter((r) => (r.job_name ?? r.app_name ?? r.source) === job && r.start_epoch_ms != null).length;
    assert.match(title, new RegExp(`^${runsOfJob} runs`));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

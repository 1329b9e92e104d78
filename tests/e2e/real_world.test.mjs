// Real logs of other projects' clusters (../shared/data/external) in the page, by URL: a
// 58-executor YARN log, Kubernetes and Databricks logs, and History Server ZIP downloads (made
// here with java.util.zip, as the History Server makes them) of a rolling folder, of two
// attempts, and of three logs — with screenshots at 1440 and 420 px.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
const external = resolve(data, 'external');
const artifacts = resolve(here, 'artifacts');
const haveData = existsSync(external);
const needsData = haveData ? {} : { skip: `the real-data folder ${external} is absent` };
let haveJava = false;
try {
  execFileSync('java', ['-version'], { stdio: 'ignore' });
  haveJava = true;
} catch {
  haveJava = false;
}
const needsJava = !haveData ? needsData : haveJava ? {} : { skip: 'no java on PATH to write History Server style ZIPs' };

let server;
let browser;
let zips;

/** Zips as the History Server does: java.util.zip.ZipOutputStream with its defaults. */
function shsZip(out, entries) {
  execFileSync('java', [resolve(repo, 'tests/fixtures/shs_zip/ShsZip.java'), out, ...entries], { stdio: 'inherit' });
}

before(async () => {
  assert.ok(existsSync(resolve(dist, 'index.html')), `${dist}/index.html is missing: run \`trunk build --release\` first`);
  zips = mkdtempSync(join(tmpdir(), 'runlens-zips-'));
  if (haveData && haveJava) {
    const nv = resolve(external, 'NVIDIA__spark-rapids-tools');
    const rolling = 'eventlog_v2_local-1623876083964';
    const files = readdirSync(resolve(nv, rolling)).sort();
    // The History Server's URL has no extension: /api/v1/applications/<id>/logs.
    await mkdir(resolve(zips, 'local-1623876083964'), { recursive: true });
    shsZip(resolve(zips, 'local-1623876083964/logs'), [`${rolling}/`, ...files.map((f) => `${rolling}/${f}=${resolve(nv, rolling, f)}`)]);
    const att = resolve(nv, 'multiple_attempts');
    shsZip(resolve(zips, 'attempts.zip'), [
      `application_1724877841851_0016_1.zstd=${resolve(att, 'attempt_1_eventlog.zstd')}`,
      `application_1724877841851_0016_2.zstd=${resolve(att, 'attempt_2_eventlog.zstd')}`,
    ]);
    shsZip(resolve(zips, 'three.zip'), [
      `spark2.zstd=${resolve(nv, 'spark2-eventlog.zstd')}`,
      `nds_q66.zstd=${resolve(nv, 'nds_q66_cpu.zstd')}`,
      `k8s.txt=${resolve(external, 'datamechanics__delight/example_spark_event_log.txt')}`,
    ]);
  }
  const also = [['/zips/', zips]];
  if (haveData) also.push(['/data/', data]);
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

const field = (page, side, name) => page.textContent(`section.run[data-run="${side}"] [data-field="${name}"]`);

async function errors(page) {
  return page.locator('[data-error]').allTextContents();
}

/** The page scrolls sideways when its content is wider than the window. */
async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

test('real logs by URL: 58 executors on YARN, Kubernetes, Databricks; platforms in the header', { timeout: 240_000, ...needsData }, async () => {
  const q = `?before=${encodeURIComponent('../data/external/groupon__sparklint/application_1472176676028_407508_1')}` +
    `&after=${encodeURIComponent('../data/external/NVIDIA__spark-rapids-tools/xgboost_eventlog.zstd')}`;
  for (const width of [1440, 420]) {
    const { context, page, problems } = await open(q, { viewport: { width, height: 1000 } });
    try {
      assert.deepEqual(await errors(page), []);
      assert.equal(await field(page, 'before', 'tasks'), '612');
      assert.equal(await field(page, 'before', 'platform'), 'YARN');
      assert.equal(await field(page, 'after', 'tasks'), '155');
      assert.match(await field(page, 'after', 'platform'), /^Databricks Runtime 10\.4/);
      // Every view drawn for both runs.
      for (const side of ['before', 'after']) {
        const views = await page.locator(`figure[data-run="${side}"]`).evaluateAll((f) => f.map((x) => x.dataset.view));
        assert.deepEqual(views, ['etl', 'shuffle', 'execution', 'memory'], side);
      }
      // Executors in numeric order in the legends (driver, 1, 2, …, 10); this Spark 1.6 log has
      // no memory metrics, so its memory view says so instead of drawing lines at 0 B.
      assert.match(await page.textContent('figure[data-view="memory"][data-run="before"]'), /no memory metrics/);
      const legend = await page.locator('figure[data-view="shuffle"][data-run="before"] button.exec').evaluateAll((b) => b.map((x) => x.dataset.executor));
      const nums = legend.filter((e) => e !== 'driver').map(Number);
      assert.ok(nums.length > 20, `legend: ${legend}`);
      assert.deepEqual(nums, [...nums].sort((a, b) => a - b), `legend order: ${legend}`);
      await page.screenshot({ path: resolve(artifacts, `external-58-executors-${width}.png`), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
  const { context, page, problems } = await open(`?run=${encodeURIComponent('../data/external/kubeflow__mcp-apache-spark-history-server/local-1776286786993.zstd')}`);
  try {
    assert.deepEqual(await errors(page), []);
    assert.equal(await field(page, 'before', 'tasks'), '52');
    assert.equal(await field(page, 'before', 'platform'), 'local mode');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('History Server downloads: a rolling folder, two attempts, an archive of three runs', { timeout: 240_000, ...needsJava }, async () => {
  // A rolling folder, from a URL like the History Server's (no extension).
  let { context, page, problems } = await open(`?run=${encodeURIComponent('../zips/local-1623876083964/logs')}`);
  try {
    assert.deepEqual(await errors(page), []);
    assert.equal(await field(page, 'before', 'tasks'), '2,801');
    assert.match(await page.textContent('section.run[data-run="before"] .source'), /logs!\/eventlog_v2_local-1623876083964/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // Two attempts of one application: Before and After, each with its attempt.
  ({ context, page, problems } = await open(`?before=${encodeURIComponent('../zips/attempts.zip')}`));
  try {
    await page.waitForFunction(() => document.querySelector('section.run[data-run="after"] [data-field="name"]'));
    assert.deepEqual(await errors(page), []);
    assert.match(await field(page, 'before', 'name'), /\(attempt 1\)$/);
    assert.match(await field(page, 'after', 'name'), /\(attempt 2\)$/);
    assert.equal(await field(page, 'before', 'platform'), 'Amazon EMR (YARN)');
    // The address names each run by its entry, so a reload shows the same.
    const url = new URL(page.url());
    assert.match(url.searchParams.get('before'), /attempts\.zip!\/application_1724877841851_0016_1\.zstd$/);
    assert.match(url.searchParams.get('after'), /attempts\.zip!\/application_1724877841851_0016_2\.zstd$/);
    await page.reload();
    await waitUntilReady(page, 90_000);
    assert.match(await field(page, 'after', 'name'), /\(attempt 2\)$/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // The same archive by the file picker.
  ({ context, page, problems } = await open(''));
  try {
    await page.setInputFiles('section.run[data-run="before"] input[type="file"] >> nth=0', resolve(zips, 'attempts.zip'));
    await page.waitForFunction(() => /\(attempt 2\)$/.test(document.querySelector('section.run[data-run="after"] [data-field="name"]')?.textContent ?? ''));
    assert.match(await field(page, 'before', 'name'), /\(attempt 1\)$/);
    assert.deepEqual(await errors(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // Three runs: the column asks which one it shows.
  ({ context, page, problems } = await open(`?before=${encodeURIComponent('../zips/three.zip')}`));
  try {
    await page.waitForSelector('section.run[data-run="before"] [data-choose] li');
    const entries = await page.locator('[data-choose] li').evaluateAll((l) => l.map((x) => x.dataset.entry));
    assert.deepEqual(entries, ['spark2.zstd', 'nds_q66.zstd', 'k8s.txt']);
    await page.screenshot({ path: resolve(artifacts, 'archive-choose-1440.png') });
    await page.click('[data-choose] li[data-entry="k8s.txt"] button[data-pick="after"]');
    await page.waitForFunction(() => document.querySelector('section.run[data-run="after"] [data-field="tasks"]')?.textContent === '200');
    await page.click('[data-choose] li[data-entry="nds_q66.zstd"] button[data-pick="before"]');
    await page.waitForFunction(() => document.querySelector('section.run[data-run="before"] [data-field="tasks"]')?.textContent === '13,297');
    assert.equal(await field(page, 'before', 'platform'), 'Google Cloud Dataproc (YARN)');
    assert.equal(await field(page, 'after', 'platform'), 'Kubernetes');
    const url = new URL(page.url());
    assert.match(url.searchParams.get('before'), /three\.zip!\/nds_q66\.zstd$/);
    assert.match(url.searchParams.get('after'), /three\.zip!\/k8s\.txt$/);
    assert.equal(await scrollsSideways(page), false);
    await page.screenshot({ path: resolve(artifacts, 'archive-picked-1440.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// A zstd log, a truncated and a corrupt one, an archive, by URL: each shows its run (what it
// could read, with a warning) or an error naming it, never a blank column.
test('damaged zstd logs by URL: what can be read is shown, with what went wrong', { timeout: 240_000, ...needsData }, async () => {
  const xgb = readFileSync(resolve(external, 'NVIDIA__spark-rapids-tools/xgboost_eventlog.zstd'));
  writeFileSync(resolve(zips, 'truncated.zstd'), xgb.subarray(0, Math.floor(xgb.length * 0.6)));
  const corrupt = Buffer.from(xgb);
  for (let i = Math.floor(corrupt.length / 2); i < corrupt.length / 2 + 64; i++) corrupt[i] ^= 0x5a;
  writeFileSync(resolve(zips, 'corrupt.zstd'), corrupt);
  const runs = [
    ['../data/external/NVIDIA__spark-rapids-tools/xgboost_eventlog.zstd', 'whole'],
    ['../zips/truncated.zstd', 'damaged'],
    ['../zips/corrupt.zstd', 'damaged'],
  ];
  if (haveJava) runs.push(['../zips/attempts.zip', 'whole']);
  for (const [run, kind] of runs) {
    const { context, page, problems } = await open(`?before=${encodeURIComponent(run)}`);
    try {
      await page.waitForFunction(() => document.querySelector('section.run[data-run="before"] [data-field="tasks"], [data-error], [data-choose]'));
      const seen = await page.evaluate(() => ({
        fields: [...document.querySelectorAll('section.run [data-field]')].map((e) => `${e.dataset.field}=${e.textContent}`),
        errors: [...document.querySelectorAll('[data-error]')].map((e) => e.textContent),
        warnings: [...document.querySelectorAll('section.run .warnings li, .findings .warnings li')].map((e) => e.textContent),
        choose: document.querySelectorAll('[data-choose] li').length,
      }));
      assert.ok(seen.fields.length + seen.errors.length + seen.choose > 0, `${run}: ${JSON.stringify(seen)}`);
      if (kind === 'damaged') {
        assert.ok(seen.errors.length + seen.warnings.length > 0, `${run}: says what went wrong: ${JSON.stringify(seen)}`);
      }
      assert.deepEqual(problems, [], run);
    } finally {
      await context.close();
    }
  }
});

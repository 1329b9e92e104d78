// Glue's CloudWatch metrics in Debian's headless Chromium: a job-metrics export with the Glue 4.0+
// observability metrics of the same run (tests/fixtures/cloudwatch, built from the AWS CLI's
// documented output shapes) shows the CPU load view, worker utilization and memory/disk
// percentages on a right axis, and the findings they give; the LARGE log's "max needed
// executors" is drawn clipped with its peak in the legend. No sideways scroll at 420 and
// 1440 px; a screenshot of each (tests/e2e/artifacts).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launch, openPage, waitUntilReady } from './browser.mjs';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const dist = resolve(repo, 'dist');
const fixtures = resolve(repo, 'tests/fixtures/cloudwatch');
const data = process.env.RUNLENS_DATA ?? resolve(repo, '../shared/data');
const artifacts = resolve(here, 'artifacts');
const large = resolve(data, 'spark-local/app-20261121234021-0000.zstd');

let server;
let browser;

before(async () => {
  assert.ok(existsSync(resolve(dist, 'index.html')), `${dist}/index.html is missing: run \`trunk build --release\` first`);
  const also = existsSync(data) ? [['/data/', data]] : [];
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

async function assertNoSidewaysScroll(page, what) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${what}: the page scrolls sideways (${scroll} > ${client})`);
}

const legend = (page, side, view) =>
  page.$$eval(`figure.chart[data-view="${view}"][data-run="${side}"] .legend li`, (lis) => lis.map((li) => li.textContent.trim()));

test('Glue observability metrics: the CPU view, right-axis percentages, findings', { timeout: 120_000 }, async () => {
  for (const width of [1440, 420]) {
    const { context, page, problems } = await open('', { viewport: { width, height: 1000 } });
    try {
      // The built-in examples have no CPU load: no CPU view.
      assert.equal(await page.locator('section.view-row[aria-label="CPU load"]').count(), 0);
      await page.setInputFiles('section.run[data-run="before"] input[type="file"] >> nth=0', [
        resolve(fixtures, 'get-job-run.json'),
        resolve(fixtures, 'get-metric-data.json'),
        resolve(fixtures, 'get-metric-data-observability.json'),
      ]);
      await page.waitForSelector('section.view-row[aria-label="CPU load"] figure.chart[data-run="before"] .legend', { timeout: 60_000 });
      const cpu = await legend(page, 'before', 'cpu');
      assert.ok(cpu.includes('all executors (average)'), cpu.join(' | '));
      assert.ok(cpu.includes('driver') && cpu.includes('executor 3') && cpu.includes('executor 10'), cpu.join(' | '));
      // The straggler is marked there too.
      assert.equal(await page.locator('figure.chart[data-view="cpu"][data-run="before"] button.exec.straggler[data-executor="3"]').count(), 1);
      const exec = await legend(page, 'before', 'execution');
      assert.ok(exec.includes('worker utilization (right axis)'), exec.join(' | '));
      assert.ok(exec.includes('stage skewness'), exec.join(' | '));
      const mem = await legend(page, 'before', 'memory');
      assert.ok(mem.some((l) => /^executors disk used % \(right axis\)$/.test(l)), mem.join(' | '));
      // The findings they give, under the Before heading.
      await page.waitForSelector('.insight[data-run="before"] [data-finding="low-worker-utilization"]');
      assert.equal(await page.locator('.insight[data-run="before"] [data-finding="glue-skew"]').count(), 1);
      // The After column (an example without CPU metrics) says why its CPU chart is empty.
      const note = await page.textContent('figure.chart[data-view="cpu"][data-run="after"] .note');
      assert.match(note, /no CPU metrics/);
      // The charts are drawn (not blank) and the tooltip gives percentages on the right axis.
      const canvas = page.locator('figure.chart[data-view="execution"][data-run="before"] canvas').first();
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      await page.mouse.move(box.x + 100 + (box.width - 110) * 0.05, box.y + box.height / 2);
      await page.waitForSelector('figure.chart[data-view="execution"][data-run="before"] .tooltip');
      const tip = await page.textContent('figure.chart[data-view="execution"][data-run="before"] .tooltip');
      assert.match(tip, /worker utilization \(right axis\)\s*\d+(\.\d)? %/, tip);
      await page.mouse.move(0, 0);
      await assertNoSidewaysScroll(page, `Glue metrics at ${width} px`);
      await page.screenshot({ path: resolve(artifacts, `glue-observability-${width}.png`), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('LARGE: max needed executors is drawn clipped, its peak in the legend', { timeout: 180_000, skip: !existsSync(large) && 'no shared data' }, async () => {
  for (const width of [1440, 420]) {
    const { context, page, problems } = await open('?run=../data/spark-local/app-20261121234021-0000.zstd', { viewport: { width, height: 1000 } });
    try {
      const exec = await legend(page, 'before', 'execution');
      const needed = exec.find((l) => l.startsWith('max needed executors'));
      assert.match(needed ?? '', /^max needed executors \(off scale: peak [\d,]+\)$/, exec.join(' | '));
      await assertNoSidewaysScroll(page, `LARGE at ${width} px`);
      await page.screenshot({ path: resolve(artifacts, `large-${width}.png`), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('two runs picked for one column: the page offers one in each', { timeout: 120_000, skip: !existsSync(resolve(data, 'spark-local')) && 'no shared data' }, async () => {
  const { context, page, problems } = await open('');
  try {
    const a = resolve(data, 'spark-local/app-20261121232835-0000');
    const b = resolve(data, 'spark-local/app-20261121233028-0000.lz4');
    await page.setInputFiles('section.run[data-run="after"] input[type="file"] >> nth=0', [a, b]);
    await page.waitForSelector('section.run[data-run="after"] [data-split]');
    const offer = await page.textContent('section.run[data-run="after"] [data-split]');
    assert.match(offer, /two runs, not one/);
    await page.click('section.run[data-run="after"] button[data-split-pick="swapped"]');
    // Swapped: the second file in After (where they were picked), the first in Before.
    await page.waitForFunction(() => document.querySelector('section.run[data-run="before"] [data-field="duration"]')?.textContent === '1 min 43 s' &&
      document.querySelector('section.run[data-run="after"] [data-field="duration"]')?.textContent === '2 min 16 s', null, { timeout: 60_000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('what-if at 420 and 1440 px: the table and long failure reasons wrap, nothing scrolls sideways', { timeout: 120_000 }, async () => {
  for (const width of [1440, 420]) {
    const { context, page, problems } = await open('?whatif=preset:q80-local-shuffle', { viewport: { width, height: 1000 } });
    try {
      await page.waitForSelector('.whatif table');
      await assertNoSidewaysScroll(page, `what-if at ${width} px`);
      await page.screenshot({ path: resolve(artifacts, `whatif-q80-${width}.png`), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('the task timeline\'s stage legend marks a stage; the mark is in the link and survives a reload', { timeout: 120_000, skip: !existsSync(resolve(data, 'spark-local')) && 'no shared data' }, async () => {
  const q = `?before=${encodeURIComponent('../data/spark-local/app-20261121232835-0000')}&after=${encodeURIComponent('../data/spark-local/app-20261121233028-0000.lz4')}`;
  const { context, page, problems } = await open(q);
  try {
    const buttons = page.locator('figure.chart[data-view="execution"][data-run="after"] ul.legend.stages button[data-stage]');
    assert.ok(await buttons.count() >= 2, 'a stage legend under the timeline');
    const first = buttons.first();
    const id = await first.getAttribute('data-stage');
    assert.match(await first.getAttribute('title'), new RegExp(`^stage ${id}: `));
    await first.click();
    await page.waitForFunction((s) => new URL(location.href).searchParams.get('stage') === `after:${s}`, id);
    assert.equal(await first.getAttribute('aria-pressed'), 'true');
    // The stage table row is marked too, and the link reproduces the mark.
    await page.reload();
    await waitUntilReady(page, 90_000);
    assert.equal(await page.locator(`figure.chart[data-view="execution"][data-run="after"] ul.legend.stages button[data-stage="${id}"]`).getAttribute('aria-pressed'), 'true');
    // A second click clears it.
    await page.click(`figure.chart[data-view="execution"][data-run="after"] ul.legend.stages button[data-stage="${id}"]`);
    await page.waitForFunction(() => !new URL(location.href).searchParams.get('stage'));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('find a better configuration: the sweep fills in, marks the frontier and opens a point as the what-if', { timeout: 180_000, skip: !existsSync(data) && 'no shared data' }, async () => {
  for (const width of [1440, 420]) {
    const { context, page, problems } = await open('?before=../data/spark-local/app-20261121232835-0000', { viewport: { width, height: 1000 } });
    try {
      await page.waitForSelector('[data-sweep] input.sweep-axis');
      const axes = page.locator('[data-sweep] input.sweep-axis');
      await axes.nth(0).fill('spark.sql.shuffle.partitions=4,8,16,64');
      await axes.nth(1).fill('spark.executor.instances=1..4');
      await page.fill('[data-sweep] input.sweep-deadline', '100s');
      // The main thread stays free while the worker simulates.
      await page.evaluate(() => {
        globalThis.__sweepLong = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) globalThis.__sweepLong.push(e.duration); }).observe({ type: 'longtask' });
      });
      await page.click('[data-sweep] button.sweep-run');
      await page.waitForFunction(() => /16 configurations\./.test(document.querySelector('.sweep-status')?.textContent ?? ''), null, { timeout: 120_000 });
      const status = await page.textContent('.sweep-status');
      assert.match(status, /Recommended: spark\.sql\.shuffle\.partitions=\d+ spark\.executor\.instances=\d+/, status);
      assert.match(status, /deadline/, status);
      // The chart drew every configuration that ran; the frontier is listed, the recommendation in it.
      const points = (await page.getAttribute('canvas.sweep-chart', 'data-points')).split(' ').filter(Boolean);
      assert.equal(points.length, 16, `points drawn: ${points.length}`);
      const rows = await page.locator('.sweep-frontier tbody tr').count();
      assert.ok(rows >= 2 && rows <= 16, `frontier rows: ${rows}`);
      assert.equal(await page.locator('.sweep-frontier tr.recommended').count(), 1);
      await page.screenshot({ path: resolve(artifacts, `sweep-${width}.png`), fullPage: true });
      await assertNoSidewaysScroll(page, `sweep at ${width} px`);
      // Clicking a point of the chart opens it as the what-if: the after column shows it.
      const [idx, xy] = points[0].split(':');
      const [x, y] = xy.split(',').map(Number);
      await page.locator('canvas.sweep-chart').scrollIntoViewIfNeeded();
  const box = await page.locator('canvas.sweep-chart').boundingBox();
      await page.mouse.click(box.x + x, box.y + y);
      await page.waitForSelector('[data-prediction]', { timeout: 60_000 });
      const settings = await page.$$eval('.whatif .controls-table input[data-key]', (ins) => Object.fromEntries(ins.filter((i) => i.value).map((i) => [i.dataset.key, i.value])));
      assert.ok(Object.keys(settings).length === 2, `the point's settings in the what-if: ${JSON.stringify(settings)} (point ${idx})`);
      await page.waitForFunction(() => document.querySelector('section.run[data-run="after"] .badge')?.textContent === 'simulated', null, { timeout: 60_000 });
      assert.match(new URL(page.url()).searchParams.get('set') ?? '', /spark\.sql\.shuffle\.partitions=\d+,spark\.executor\.instances=\d+/);
      const long = await page.evaluate(() => globalThis.__sweepLong);
      console.log(`sweep at ${width} px: main-thread long tasks ${JSON.stringify(long.map(Math.round))}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('find a better configuration: bad axis text is refused, saying what is wrong, and a good sweep still runs', { timeout: 180_000, skip: !existsSync(data) && 'no shared data' }, async () => {
  const { context, page, problems } = await open('?before=../data/spark-local/app-20261121232835-0000', { viewport: { width: 1440, height: 1000 } });
  try {
    await page.waitForSelector('[data-sweep] input.sweep-axis');
    const axes = page.locator('[data-sweep] input.sweep-axis');
    const status = () => page.textContent('.sweep-status');
    for (const [text, why] of [
      ['spark.sql.shuffle.partitions=', /spark\.sql\.shuffle\.partitions: no values/],
      ['no.such.key=1,2', /unknown key "no\.such\.key"; known keys: spark\.sql\.shuffle\.partitions/],
      ['spark.executor.instances=10..1', /a range needs FROM ≤ TO/],
      ['spark.executor.instances=abc', /"abc" is not a whole number/],
      ['spark.executor.instances=1..1000', /1000 configurations: the page sweeps at most 400/],
    ]) {
      await axes.nth(0).fill(text);
      await axes.nth(1).fill('');
      await page.click('[data-sweep] button.sweep-run');
      await page.waitForFunction(
        (re) => new RegExp(re).test(document.querySelector('.sweep-status')?.textContent ?? ''),
        why.source,
        { timeout: 60_000 },
      );
      const said = await status();
      assert.match(said, /^The sweep: /, said);
      const drawn = await page.evaluate(() => document.querySelector('canvas.sweep-chart')?.dataset.points ?? '');
      assert.equal(drawn.trim(), '', `no points drawn for ${text}`);
      assert.doesNotMatch(said, /--vary|--set/, 'the page speaks of its own fields, not CLI flags');
    }
    await page.locator('[data-sweep]').screenshot({ path: resolve(artifacts, 'sweep-bad-axis-1440.png') });
    // The panel is not stuck: a good sweep runs after the bad ones.
    await axes.nth(0).fill('spark.sql.shuffle.partitions=4,64');
    await page.click('[data-sweep] button.sweep-run');
    await page.waitForFunction(() => /2 configurations\./.test(document.querySelector('.sweep-status')?.textContent ?? ''), null, { timeout: 120_000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

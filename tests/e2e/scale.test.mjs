// A million tasks in a tab: an event log of 1,000,000 task ends, made from the real task-end
// lines of a shared Spark 4.3 log (each repeated with fresh task ids; the `Accumulables` and
// `Task Executor Metrics` members dropped, which keeps the log at 1.3 GB: the memory view comes
// from the log's own executor-metrics events), gzip-compressed, loads by URL with the four views
// and the task timeline drawn. The time is recorded in artifacts/scale.json, not asserted.

import assert from 'node:assert/strict';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGzip, constants } from 'node:zlib';

import { launch, openPage, waitUntilReady } from './browser.mjs';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const dist = resolve(repo, 'dist');
const data = process.env.RUNLENS_DATA ?? resolve(repo, '../shared/data');
const base = resolve(data, 'spark-local/app-20261121232506-0000');
const TASKS = 1_000_000;

let server;
let browser;
let dir;
let logBytes = 0;

/** Writes the million-task log, gzip level 1; returns its uncompressed size. */
async function writeScaleLog(path) {
  const lines = readFileSync(base, 'utf8').split('\n').filter((l) => l.trim());
  const templates = [];
  const out = [];
  for (const l of lines) {
    if (l.includes('"SparkListenerTaskStart"')) continue;
    if (!l.includes('"SparkListenerTaskEnd"')) {
      out.push(l);
      continue;
    }
    const v = JSON.parse(l);
    delete v['Task Info'].Accumulables;
    delete v['Task Executor Metrics'];
    v['Task Info']['Task ID'] = 987654321987;
    const [a, b] = JSON.stringify(v).split('987654321987');
    templates.push([a, b]);
    out.push(null);
  }
  const copies = Math.ceil(TASKS / templates.length);
  const gz = createGzip({ level: 1, strategy: constants.Z_DEFAULT_STRATEGY });
  const file = createWriteStream(path);
  gz.pipe(file);
  const done = new Promise((ok, fail) => { file.on('finish', ok); file.on('error', fail); });
  let id = 0;
  let t = 0;
  let buf = [];
  let size = 0;
  const flush = async () => {
    const s = buf.join('');
    buf = [];
    size += Buffer.byteLength(s);
    if (!gz.write(s)) await new Promise((ok) => gz.once('drain', ok));
  };
  for (const l of out) {
    if (l !== null) {
      buf.push(`${l}\n`);
      continue;
    }
    const [a, b] = templates[t++];
    for (let k = 0; k < copies && id < TASKS; k++) {
      buf.push(`${a}${id++}${b}\n`);
      if (buf.length >= 2000) await flush();
    }
  }
  await flush();
  gz.end();
  await done;
  return size;
}

before(async () => {
  if (!existsSync(base)) return;
  assert.ok(existsSync(resolve(dist, 'index.html')), 'run `trunk build --release` first');
  dir = await mkdtemp(join(os.tmpdir(), 'runlens-scale-'));
  logBytes = await writeScaleLog(join(dir, 'million.log.gz'));
  server = await serve(dist, { mount: '/app/', also: [['/scale/', dir]] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a million tasks load in the page, with the four views and the timeline drawn', { timeout: 300_000, skip: !existsSync(base) && 'no shared data' }, async () => {
  const { context, page } = await openPage(browser);
  try {
    await page.addInitScript(() => {
      globalThis.__longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => globalThis.__longTasks.push([e.startTime, e.duration]))).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${server.url}?run=../scale/million.log.gz`);
    await waitUntilReady(page, 240_000);
    assert.equal(await page.locator('[data-error]').count(), 0);
    assert.equal(await page.textContent('section.run[data-run="before"] [data-field="tasks"]'), '1,000,000');
    // Every chart of the column drew something: its canvas is not blank.
    const blank = await page.evaluate(() => [...document.querySelectorAll('section.run[data-run="before"] canvas, figure[data-run="before"] canvas')].filter((c) => {
      const ctx = c.getContext('2d');
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4 * 97) if (d[i] !== 0) return false;
      return true;
    }).length);
    assert.equal(blank, 0, 'a chart of the million-task run is blank');
    const m = await page.evaluate(() => ({
      load_ms: performance.getEntriesByName('runlens:load:before')[0]?.duration,
      phases: Object.fromEntries(performance.getEntriesByType('measure').filter((e) => e.name.startsWith('runlens:')).map((e) => [e.name, Math.round(e.duration)])),
      long_tasks: globalThis.__longTasks.map(([, d]) => Math.round(d)),
      // Which part of the load each long task fell in: before the run's file was asked for (the
      // page starting), while the worker read it, or after its answer came (receiving, drawing).
      long_tasks_when: (() => {
        const load = performance.getEntriesByName('runlens:load:before')[0];
        const fin = performance.getEntriesByName('runlens:finish:before')[0];
        return globalThis.__longTasks.map(([t, d]) => `${Math.round(d)} ms ${!load || t < load.startTime ? 'starting' : fin && t >= fin.startTime - 1 ? 'receiving/drawing' : 'while reading'} at ${Math.round(t)}`);
      })(),
      js_heap_mb: performance.memory ? Math.round(performance.memory.usedJSHeapSize / 2 ** 20) : null,
    }));
    const gz = (await stat(join(dir, 'million.log.gz'))).size;
    const results = {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`,
      tasks: TASKS,
      log_bytes: logBytes,
      gzip_bytes: gz,
      load_ms: Math.round(m.load_ms),
      mb_per_s: +(logBytes / 1e6 / (m.load_ms / 1e3)).toFixed(1),
      phases_ms: m.phases,
      long_tasks_ms: m.long_tasks,
      long_tasks_when: m.long_tasks_when,
      js_heap_mb: m.js_heap_mb,
    };
    await mkdir(resolve(here, 'artifacts'), { recursive: true });
    await writeFile(resolve(here, 'artifacts/scale.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await context.close();
  }
});

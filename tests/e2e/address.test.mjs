// The page's address always describes the screen (a reload reproduces it): a local file loaded
// beside the built-in example, closing a what-if, the preset example replaced; and `embed=1`
// shows the runs' names, the speed-up and a link to the full view, side by side down to 800 px.

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
const data = process.env.RUNLENS_DATA ?? resolve(repo, '../shared/data');
const artifacts = resolve(here, 'artifacts');
const haveData = existsSync(resolve(data, 'spark-local'));
const needsData = haveData ? {} : { skip: `the real-data folder ${data} is absent` };

let server;
let browser;

before(async () => {
  assert.ok(existsSync(resolve(dist, 'index.html')), `${dist}/index.html is missing: run \`trunk build --release\` first`);
  server = await serve(dist, { mount: '/app/', also: haveData ? [['/data/', data]] : [] });
  browser = await launch();
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(query = '', options = {}) {
  const session = await openPage(browser, options);
  await session.page.goto(server.url + query);
  await waitUntilReady(session.page, 90_000);
  return session;
}

const params = (page) => new URL(page.url()).searchParams;
const runName = (page, side) => page.textContent(`section.run[data-run="${side}"] [data-field="name"]`);

test('a local file beside the example: the example stays in the link, the file is named as not in it', { timeout: 90_000, ...needsData }, async () => {
  const { context, page, problems } = await open();
  try {
    // The default page: the examples are its default, so not in its address.
    assert.equal(new URL(page.url()).search, '');
    const exampleBefore = await runName(page, 'before');
    await page.setInputFiles('section.run[data-run="after"] input[type="file"] >> nth=0', resolve(data, 'spark-local/app-20261121232835-0000'));
    await page.waitForFunction(() => document.querySelector('section.run[data-run="after"] [data-field="name"]')?.textContent.startsWith('S3'));
    assert.equal(await page.textContent('section.run[data-run="after"] [data-local]'), 'local file, not in the link');
    assert.equal(await page.locator('section.run[data-run="before"] [data-local]').count(), 0);
    // The before column is now named in the link (the page's default would load both examples).
    assert.equal(params(page).get('before'), 'examples/s1-before.run.json');
    assert.equal(params(page).get('after'), null);
    await page.reload();
    await waitUntilReady(page, 90_000);
    assert.equal(await runName(page, 'before'), exampleBefore);
    assert.match(await page.textContent('section.run[data-run="after"]'), /Drop a run here/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('closing a what-if brings back the after run it replaced, and the link says so', { timeout: 120_000, ...needsData }, async () => {
  const query = '?before=/data/spark-local/app-20261121232506-0000&after=/data/spark-local/app-20261121232658-0000';
  const { context, page, problems } = await open(query);
  try {
    const measured = await runName(page, 'after');
    await page.selectOption('[data-whatif] select', 'before');
    await page.waitForSelector('[data-prediction]', { timeout: 60_000 });
    assert.match(await page.textContent('section.run[data-run="after"] .source'), /what-if/);
    assert.equal(params(page).get('after'), null, 'a simulated after run is not a URL');
    assert.equal(params(page).get('whatif'), 'before');
    await page.selectOption('[data-whatif] select', '');
    await page.waitForFunction((m) => document.querySelector('section.run[data-run="after"] [data-field="name"]')?.textContent === m, measured);
    assert.equal(params(page).get('whatif'), null);
    assert.equal(params(page).get('after'), '/data/spark-local/app-20261121232658-0000');
    const url = page.url();
    await page.reload();
    await waitUntilReady(page, 90_000);
    assert.equal(page.url(), url);
    assert.equal(await runName(page, 'after'), measured);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the preset example leaves the link once a column shows another run', { timeout: 90_000, ...needsData }, async () => {
  const { context, page, problems } = await open('?example=glue-coalesce');
  try {
    assert.equal(params(page).get('example'), 'glue-coalesce');
    await page.fill('section.run[data-run="after"] .url-form input', '/data/spark-local/app-20261121232658-0000');
    await page.click('section.run[data-run="after"] .url-form button');
    await page.waitForFunction(() => document.querySelector('section.run[data-run="after"] [data-field="name"]')?.textContent.startsWith('S1'));
    assert.equal(params(page).get('example'), null);
    assert.equal(params(page).get('after'), '/data/spark-local/app-20261121232658-0000');
    // The before column shows a preset, which no link can name: said where it is.
    assert.equal(await page.locator('section.run[data-run="before"] [data-local]').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('embed=1: the runs, the speed-up, a link to the full view; side by side at 800 px', { timeout: 60_000 }, async () => {
  const { context, page, problems } = await open('?embed=1&sel=before:0', { viewport: { width: 820, height: 900 } });
  try {
    const names = await page.$$eval('.embed-head .embed-run', (els) => els.map((e) => e.textContent));
    assert.equal(names.length, 2);
    assert.match(names[0], /^Before: S1 before/);
    assert.match(names[1], /^After: S1 after/);
    assert.match(await page.textContent('.embed-head [data-speedup]'), /× (faster|slower)/);
    const href = await page.getAttribute('.embed-head a.embed-link', 'href');
    const full = new URL(href);
    assert.equal(full.searchParams.get('embed'), null);
    assert.equal(full.searchParams.get('sel'), 'before:0');
    assert.equal(await page.getAttribute('.embed-head a.embed-link', 'target'), '_blank');
    // Before and after side by side at 820 px.
    const [b, a] = await page.$$eval('.view-row:first-of-type .cell', (cells) => cells.map((c) => c.getBoundingClientRect().top));
    assert.equal(b, a, 'the columns are side by side');
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, 'no sideways scroll');
    await page.screenshot({ path: resolve(artifacts, 'embed-820.png') });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// The built site (dist/, from `trunk build --release`) served from a sub-path: the built-in
// example runs load and show, with no console error, failed request or CSP violation.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launch, openPage, waitUntilReady } from './browser.mjs';
import { decodePng, inkStats } from './png.mjs';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '../../dist');
const artifacts = resolve(here, 'artifacts');

let server;
let browser;

before(async () => {
  assert.ok(existsSync(resolve(dist, 'index.html')), `${dist}/index.html is missing: run \`trunk build --release\` first`);
  // Not at the root: absolute asset URLs would 404 here.
  server = await serve(dist, { mount: '/some/sub/path/' });
  browser = await launch();
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the example runs show side by side from a sub-path, under the CSP', { timeout: 60_000 }, async (t) => {
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto(server.url);
    await waitUntilReady(page);

    assert.equal(await page.textContent('h1'), 'Runlens');
    assert.equal(await page.locator('[data-error]').count(), 0, await page.locator('[data-error]').allTextContents().then(String));
    const field = (side, name) => page.textContent(`section[data-run="${side}"] [data-field="${name}"]`);
    for (const [side, name, tasks, duration] of [
      ['before', 'S1 before: coalesce(1)', '1,548', '1 min 44 s'],
      ['after', 'S1 after: file packing', '1,520', '1 min 37 s'],
    ]) {
      assert.ok((await field(side, 'name')).startsWith(name), `${side}: ${await field(side, 'name')}`);
      assert.equal(await field(side, 'status'), 'succeeded', side);
      assert.equal(await field(side, 'duration'), duration, side);
      assert.equal(await field(side, 'tasks'), tasks, side);
    }

    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.doesNotMatch(csp, /unsafe-inline/);

    const rendered = await page.evaluate(() =>
      performance.getEntriesByName('runlens:rendered').map((e) => e.startTime),
    );
    assert.equal(rendered.length, 1, 'one runlens:rendered mark');
    t.diagnostic(`runlens:rendered at ${rendered[0].toFixed(0)} ms after navigation start`);

    const png = await page.screenshot({ path: resolve(artifacts, 'example.png'), fullPage: true });
    const { inkShare, colours } = inkStats(decodePng(png));
    t.diagnostic(`screenshot: ${png.length} bytes, ${(inkShare * 100).toFixed(1)}% ink, ${colours} colours`);
    assert.ok(inkShare > 0.01 && colours > 20, `the screenshot looks blank: ${inkShare} ink, ${colours} colours`);

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the page follows a dark system theme', { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage(browser, { colorScheme: 'dark' });
  try {
    await page.goto(server.url);
    await waitUntilReady(page);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 3 * 64, `dark background expected, got ${background}`);
    await page.screenshot({ path: resolve(artifacts, 'example-dark.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

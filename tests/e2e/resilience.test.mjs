// The page never dies: a panic, an exhausted memory and a runaway loop in a load (forced by the
// page's own self-test files, `?selftest=1`) cost only that column; the other run and every
// control keep working, and the next load works without a reload.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launch, openPage, waitUntilReady } from './browser.mjs';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const dist = resolve(repo, 'dist');

let server;
let browser;

before(async () => {
  assert.ok(existsSync(resolve(dist, 'index.html')), `${dist}/index.html is missing: run \`trunk build --release\` first`);
  server = await serve(dist, { mount: '/app/' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const field = (page, side, name) => page.textContent(`section.run[data-run="${side}"] [data-field="${name}"]`);

async function pick(page, side, name, body = 'x') {
  await page.setInputFiles(`section.run[data-run="${side}"] input[type="file"] >> nth=0`, {
    name,
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(body),
  });
}

async function pickExample(page, side) {
  const text = await (await fetch(`${server.url}examples/s1-before.run.json`)).text();
  await pick(page, side, 's1-before.run.json', text);
  await page.waitForFunction((s) => document.querySelector(`section.run[data-run="${s}"] [data-field="duration"]`)?.textContent === '1 min 44 s', side, { timeout: 30_000 });
}

const charts = (page, side) => page.locator(`figure[data-run="${side}"]`).count();

test('a panic, an exhausted memory and a hang in a load cost only their column', { timeout: 180_000 }, async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto(`${server.url}?selftest=1`);
    await waitUntilReady(page);
    assert.equal(await charts(page, 'after'), 4);

    // A panic while reading: the message in that column, the other run still drawn.
    await pick(page, 'before', 'runlens-selftest-panic');
    await page.waitForSelector('[data-error][data-run="before"]');
    assert.match(await page.textContent('[data-error][data-run="before"]'), /runlens-selftest-panic: reading stopped: the reader crashed \(.*the self-test panic\)/);
    assert.equal(await charts(page, 'after'), 4);
    // The other column responds, and the failed one loads a good run.
    await page.click('figure[data-view="memory"][data-run="after"] button.exec[data-executor="0"]');
    await page.waitForFunction(() => location.search.includes('sel=after'));
    await pickExample(page, 'before');
    assert.equal(await charts(page, 'before'), 4);

    // Memory exhausted while reading.
    await pick(page, 'after', 'runlens-selftest-oom');
    await page.waitForSelector('[data-error][data-run="after"]', { timeout: 60_000 });
    assert.match(await page.textContent('[data-error][data-run="after"]'), /runlens-selftest-oom: reading stopped/);
    assert.equal(await charts(page, 'before'), 4);
    await pickExample(page, 'after');

    // A runaway loop: the column stays in progress, Cancel ends it, the next load works.
    await pick(page, 'before', 'runlens-selftest-hang');
    await page.waitForSelector('section.run[data-run="before"] .progress button');
    await page.waitForTimeout(1000);
    assert.equal(await charts(page, 'after'), 4, 'the other run is still drawn while one load hangs');
    await page.click('section.run[data-run="before"] .progress button');
    await page.waitForFunction(() => !document.querySelector('section.run[data-run="before"] .progress'));
    await pickExample(page, 'before');
    assert.equal(await field(page, 'before', 'tasks'), '1,548');

    // The simulator (in a worker too) still answers.
    await page.selectOption('[data-whatif] select', 'preset:glue-coalesce-before');
    await page.waitForSelector('[data-prediction]', { timeout: 60_000 });
    assert.deepEqual(problems.filter((p) => !/self-test|runlens-selftest/.test(p)), []);
  } finally {
    await context.close();
  }
});

// Shared by the e2e tests: Debian's Chromium driven by playwright-core, and a page wrapper that
// records console errors, uncaught exceptions, failed requests and CSP violations.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium (never a downloaded browser: playwright-core has none). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * A new page that records what went wrong while it ran: `problems` lists console errors,
 * uncaught exceptions, failed or 4xx/5xx requests and CSP violations, one line each.
 */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      problems.push(`console ${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  // Chromium reports CSP violations on the console too; this catches them whatever the wording.
  await page.exposeBinding('__runlensCspViolation', (_source, text) => problems.push(`CSP violation: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      globalThis.__runlensCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`),
    );
  });
  return { context, page, problems };
}

/** Waits until the app says it has rendered (`<html data-ready="1">`). */
export function waitUntilReady(page, timeout = 30_000) {
  return page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout });
}

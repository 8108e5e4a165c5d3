// Debian's Chromium driven by playwright-core (no browser download): launch it, and watch a page for
// console errors, uncaught exceptions and CSP violations, which the console tests require to be none.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SEATSYNC_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where the tests write screenshots (git-ignored; CI keeps the folder with its logs). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}. Install it: apt-get install chromium (bash .ci/install-system.sh does), or set SEATSYNC_TEST_CHROMIUM.`);
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    // Headless, as root in CI, and quiet: without the background-networking flags Chromium keeps
    // trying to reach Google's hosts, which a closed network refuses.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PageProblems {
  /** Console errors (CSP violations are reported there too), uncaught exceptions, CSP violation events. */
  readonly all: string[];
}

/** Starts recording what went wrong on `page` (call before the first navigation). */
export async function watchPage(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { all: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.all.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.all.push(`exception: ${error.message}`));
  await page.exposeFunction('__reportCspViolation', (what: string) => problems.all.push(`CSP: ${what}`));
  // Scripts that run in the page are strings: this project's type checking has Node's globals, not the DOM's.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) =>
    window.__reportCspViolation(event.violatedDirective + ' blocked ' + event.blockedURI))`);
  return problems;
}

/** Whether the page scrolls sideways (its content wider than the viewport). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth || document.body.scrollWidth > window.innerWidth');
}

/** A property of the focused element (`id`, `tagName`, `textContent`), or null. */
export async function focused(page: Page, property: 'id' | 'tagName' | 'textContent'): Promise<string | null> {
  return page.evaluate<string | null>(`document.activeElement ? document.activeElement[${JSON.stringify(property)}] : null`);
}

/**
 * Runs `use` on a page of the console at `base`, signed in with `token`, in a Chromium of its own
 * (closed after `use`, even when it throws).
 */
export async function withSignedInConsole(base: string, token: string, use: (page: Page) => Promise<void>): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await use(page);
  } finally {
    await browser.close();
  }
}

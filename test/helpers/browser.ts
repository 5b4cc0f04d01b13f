/**
 * Headless Chromium for end-to-end tests of the pages, through playwright-core and the Debian
 * `chromium` binary (no browser download). Use `describeWithBrowser` so a missing binary fails
 * in CI and is skipped loudly elsewhere (see ./binaries.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describeWithBinary } from './binaries.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots');

export interface TestBrowser {
  browser: Browser;
  /** A fresh, isolated context (own cookies): one per simulated person. */
  newContext(): Promise<BrowserContext>;
  newPage(): Promise<Page>;
  /** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches Chromium. playwright's launch() always starts it with a fresh temporary profile
 * (its own --user-data-dir, deleted on close; passing one ourselves is refused), so no state
 * leaks between runs; contexts isolate cookies between the people of a test.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 30_000,
  });
  return {
    browser,
    newContext: () => browser.newContext({ viewport: { width: 1100, height: 800 } }),
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      return context.newPage();
    },
    async screenshot(page, name) {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
    },
  };
}

/** describe() for browser tests: fails in CI without /usr/bin/chromium, skips loudly elsewhere. */
export function describeWithBrowser(title: string, body: () => void): void {
  describeWithBinary(CHROMIUM_PATH, title, body);
}

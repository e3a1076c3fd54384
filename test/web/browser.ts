/**
 * A real browser for tests: Debian's Chromium (`apt-get install -y chromium`), driven by
 * playwright-core, which downloads no browser of its own. Without one, tests fail when CI=true
 * and are skipped otherwise, saying how to get it.
 */
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';

const CANDIDATES = [
  process.env.NATTER_TEST_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].filter((path): path is string => path !== undefined && path !== '');

/** The browser's executable, or undefined when none is installed. */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

let shared: Promise<Browser> | undefined;

/**
 * The browser, shared by the tests of one file and closed after them; undefined (test skipped)
 * when there is none outside CI.
 */
export async function needBrowser(t: TestContext): Promise<Browser | undefined> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    const why =
      'no Chromium found (looked for ' +
      CANDIDATES.join(', ') +
      '); install it with: ' +
      'apt-get install -y chromium (or set NATTER_TEST_CHROMIUM)';
    if (process.env.CI === 'true') throw new Error(why);
    t.skip(why);
    return undefined;
  }
  shared ??= import('playwright-core').then(({ chromium }) =>
    chromium.launch({
      executablePath,
      // The sandbox needs namespaces a container may not grant; the pages are our own.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    }),
  );
  return shared;
}

/** Closes the shared browser (call once, after every test of the file). */
export async function closeBrowser(): Promise<void> {
  const browser = await shared?.catch(() => undefined);
  shared = undefined;
  await browser?.close();
}

/** A new page (its own context: its own storage), closed when the test ends. Page errors fail. */
export async function openPage(
  t: TestContext,
  browser: Browser,
  url: string,
  size = { width: 1100, height: 700 },
  /** Trust any certificate (a test's own authority is not the browser's). */
  ignoreHTTPSErrors = false,
): Promise<Page> {
  const context = await browser.newContext({ viewport: size, ignoreHTTPSErrors });
  // What a test waits for happens within moments, or not at all.
  context.setDefaultTimeout(5000);
  t.after(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  t.after(() => {
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
  });
  await page.goto(url);
  return page;
}

/** Logs in by the labelled field, as a user would, and waits for the chat to show. */
export async function logIn(page: Page, nickname: string, room?: string): Promise<void> {
  await page.getByLabel('Nickname', { exact: true }).fill(nickname);
  if (room !== undefined) await page.getByLabel('Room', { exact: true }).fill(room);
  await page.getByLabel('Nickname', { exact: true }).press('Enter');
  await page.getByLabel('Message', { exact: true }).waitFor({ state: 'visible' });
}

/** Types a message in the labelled box and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

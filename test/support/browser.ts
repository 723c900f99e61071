import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, RunOptions } from 'axe-core';
import { PROJECT_ROOT } from '../../src/config.js';
import { startHarness, type Harness } from './harness.js';

/**
 * The browser tests drive Debian's Chromium (apt-get install chromium) through playwright-core, which
 * never downloads a browser of its own. Without it they are skipped with a message.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'docs', 'screenshots');
export const WEB_INDEX = path.join(PROJECT_ROOT, 'dist', 'web', 'index.html');

export const WIDE = { width: 1280, height: 900 } as const;
export const NARROW = { width: 390, height: 844 } as const;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** How far the page scrolls sideways, in CSS pixels: 0 when everything fits the screen. */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/** Signs in through the login form and waits for the app's side navigation. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('heading', { name: 'Sign in to Loupe Factory' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Attached, not visible: at 390 px the side navigation may sit behind a menu button.
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
}

/** Waits until no "Loading…" status is shown (every screen has one while its data loads). */
export async function loaded(page: Page): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'Loading…' }).first().waitFor({ state: 'detached' });
}

/** A full-page screenshot at docs/screenshots/<name>.png. */
/**
 * Screenshots for the README (docs/screenshots/) are taken by `npm run screenshots`, not by every test
 * run: a full-page PNG costs Chromium about as much as loading the page, and nothing asserts on it.
 */
export const TAKE_SCREENSHOTS = process.env.LOUPE_SCREENSHOTS === '1';

/** Saves docs/screenshots/<name>.png of the whole page, when screenshots were asked for. */
export async function shot(page: Page, name: string): Promise<void> {
  if (!TAKE_SCREENSHOTS) return;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
}

/**
 * One Chromium per test process, launched by the first browser suite that needs it and shared by the
 * files that process runs next (the main run keeps modules between files: --no-isolate). Every test
 * still gets a new context (cookies, storage, cache), so nothing crosses from one test to another.
 * Playwright ends the browser when the process exits.
 */
let sharedChromium: Promise<Browser> | undefined;
function chromiumForThisProcess(): Promise<Browser> {
  sharedChromium ??= launchChromium().then((browser) => {
    browser.on('disconnected', () => (sharedChromium = undefined));
    return browser;
  });
  return sharedChromium;
}

/** The real app on a real port with the built web app, and Debian's Chromium to drive it. */
export async function startServedApp(): Promise<{ h: Harness; baseUrl: string; browser: Browser; close(): Promise<void> }> {
  if (!existsSync(WEB_INDEX)) {
    throw new Error(`The web app is not built (${WEB_INDEX} is missing): run \`npm run build\` first (\`npm test\` does it).`);
  }
  const h = await startHarness();
  const baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromiumForThisProcess();
  return {
    h,
    baseUrl,
    browser,
    async close() {
      // Contexts are closed by their tests; the browser stays for the next file of this process.
      await h.close();
    },
  };
}

/** What a suite of browser tests works with; `page` and `context` are new for every test. */
export interface BrowserSuite {
  h: Harness;
  baseUrl: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/**
 * Registers the hooks of a suite of browser tests: the served app once, a fresh context and page per
 * test at 1280 px, a screenshot in the temporary directory when a test fails, and (`audit`) the ledger
 * audit after each test. Read the fields inside tests and hooks, once they have run.
 */
export function useBrowserSuite(options: { audit?: boolean; acceptDownloads?: boolean } = {}): BrowserSuite {
  const suite = {} as BrowserSuite;
  let served: Awaited<ReturnType<typeof startServedApp>> | undefined;
  beforeAll(async () => {
    served = await startServedApp();
    Object.assign(suite, { h: served.h, baseUrl: served.baseUrl, browser: served.browser });
  });
  afterAll(() => served?.close());
  beforeEach(async () => {
    suite.context = await suite.browser.newContext({ viewport: WIDE, acceptDownloads: options.acceptDownloads ?? false, baseURL: suite.baseUrl });
    suite.context.setDefaultTimeout(10_000);
    suite.page = await suite.context.newPage();
  });
  afterEach(async (test) => {
    if (test.task.result?.state === 'fail') {
      const name = test.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
      await suite.page.screenshot({ path: path.join(tmpdir(), `loupe-browser-failure-${name}.png`), fullPage: true }).catch(() => undefined);
    }
    await suite.context.close();
    if (options.audit) await suite.h.expectCleanAudit();
  });
  return suite;
}

/** The rules run by `expectNoAxeViolations`: WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG_21_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

/** Elements listed per broken rule in a failure message; the count of the others is given. */
const AXE_ELEMENTS_SHOWN = 10;

type AxeViolation = AxeResults['violations'][number];

/** axe-core's own browser build, read once per test process. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * One paragraph per broken rule: its id, impact and help text, then each element it was found on
 * (its selector and what axe says is wrong there), so that a failure can be read without a debugger.
 */
export function describeAxeViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes.slice(0, AXE_ELEMENTS_SHOWN).map((node) => {
        const target = node.target.map((selector) => (Array.isArray(selector) ? selector.join(' >> ') : selector)).join(' >> ');
        const reasons = (node.failureSummary ?? '')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '' && !/^Fix (any|all) of the following:$/.test(line));
        return `    at ${target}${reasons.length > 0 ? `\n      ${reasons.join('\n      ')}` : ''}`;
      });
      const more = violation.nodes.length - nodes.length;
      if (more > 0) nodes.push(`    and ${more} more element(s)`);
      return `- ${violation.id} (${violation.impact ?? 'no impact given'}): ${violation.help}\n    ${violation.helpUrl}\n${nodes.join('\n')}`;
    })
    .join('\n');
}

/**
 * Runs axe-core on the page as it is now and fails, naming every broken rule and where, if WCAG 2.1 A/AA
 * is broken. axe-core is loaded into the page once (again after a navigation) and run there directly:
 * @axe-core/playwright's builder opened a second page for every run to finish it, which made each
 * check ~1.7 s against ~0.2 s (measured on the Billing page; docs/test-time.md). The app has no
 * frames of its own to check (Stripe's card fields appear only with the Stripe provider).
 */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  // Only the violations are collected: the passes' node details are never read.
  const options: RunOptions = { runOnly: { type: 'tag', values: [...WCAG_21_AA_TAGS] }, resultTypes: ['violations'] };
  const violations = await page.evaluate(
    (runOptions) => {
      const page = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: RunOptions): Promise<AxeResults> } };
      return page.axe.run(page.document, runOptions).then((results) => results.violations);
    },
    options,
  );
  if (violations.length > 0) {
    const elements = violations.reduce((sum, violation) => sum + violation.nodes.length, 0);
    throw new Error(`${label} breaks ${violations.length} WCAG 2.1 A/AA rule(s) of axe-core, on ${elements} element(s):\n${describeAxeViolations(violations)}`);
  }
}

/**
 * Signs a browser context in without the form (faster: the sign-in form has tests of its own): a
 * session made through the API, its cookie given to the context. Then open any page of the app.
 */
export async function signInWithCookie(context: BrowserContext, h: Harness, baseUrl: string, email: string, password: string): Promise<void> {
  const response = await h.api('POST', '/v1/auth/login', { email, password }, {});
  if (response.statusCode !== 200) throw new Error(`signing in ${email} failed: ${response.statusCode} ${response.body}`);
  const cookie = String(response.headers['set-cookie']).split(';')[0]!;
  const at = cookie.indexOf('=');
  await context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: baseUrl }]);
}

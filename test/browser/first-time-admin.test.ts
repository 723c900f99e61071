/**
 * What a first-time admin tripped over (issue 15), each in Chromium against the built web app: these
 * tests failed before their fix.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, createOrgAt } from '../support/billing.js';
import { HAS_CHROMIUM, loaded, shot, signIn, startServedApp, WIDE } from '../support/browser.js';

const ADMIN_PASSWORD = 'admin-password';
const admin = (org: string) => `admin@${org}.test`;

describe.skipIf(!HAS_CHROMIUM)('a first-time admin', () => {
  let h: Harness;
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let served: Awaited<ReturnType<typeof startServedApp>> | undefined;

  beforeAll(async () => {
    served = await startServedApp();
    ({ h, baseUrl, browser } = served);
  });
  afterAll(() => served?.close());
  beforeEach(async () => {
    context = await browser.newContext({ viewport: WIDE, baseURL: baseUrl });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
  });
  afterEach(async (test) => {
    if (test.task.result?.state === 'fail') {
      await page.screenshot({ path: path.join(tmpdir(), `loupe-browser-failure-${test.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`), fullPage: true }).catch(() => undefined);
    }
    await context.close();
  });

  const signInHeading = () => page.getByRole('heading', { name: 'Sign in to Loupe Factory' });

  it('logs out onto the sign-in page, with nothing of the old session left on screen', async () => {
    const org = await createOrgAt(h, {});
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await loaded(page);
    await page.getByRole('button', { name: 'Admin' }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await signInHeading().waitFor();
    await page.getByRole('status').filter({ hasText: 'You have logged out.' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByTestId('topbar-balance').count()).toBe(0);
  });

  it('an expired session lands on the sign-in page with a sentence saying so', async () => {
    const org = await createOrgAt(h, {});
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await loaded(page);
    // The session ends on the server (expired, or revoked elsewhere); the page is still open.
    const user = await h.db.selectFrom('users').select('user_id').where('email', '=', admin(org)).executeTakeFirstOrThrow();
    await h.db.deleteFrom('sessions').where('user_id', '=', user.user_id).execute();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing', exact: true }).click();
    await signInHeading().waitFor();
    await page.getByRole('status').filter({ hasText: 'Your session has ended. Sign in again to go on.' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot(page, 'session-ended');
    // Signing in again goes on where the app starts.
    await page.getByLabel('E-mail').fill(admin(org));
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    expect(await page.getByText('Your session has ended').count()).toBe(0);
  });

  it('Enterprise is "Contact sales" in the plan comparison, never a plan to select', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing', exact: true }).click();
    await loaded(page);
    await page.getByRole('button', { name: 'Change Plan', exact: true }).click();
    const comparison = page.locator('table.compare');
    await comparison.waitFor();
    await comparison.getByText('Contact sales').waitFor();
    expect(await page.getByRole('button', { name: 'Select Enterprise' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Select Business' }).count()).toBe(1);
    await shot(page, 'plan-comparison-contact-sales');
  });
});

/**
 * Per-member monthly limits in the web app (issue 16, point 4): an admin sets the default and a
 * person's own limit on Admin Settings > Member limits, the API then refuses that person's AI actions;
 * the table shows each person's credits against their limit; a member sees their own line. In
 * Chromium against the built web app. Each test failed before the change.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { createOrgAt } from '../support/billing.js';
import { HAS_CHROMIUM, loaded, NARROW, shot, signInWithCookie, useBrowserSuite, WIDE, sidewaysScroll } from '../support/browser.js';

const ADMIN_PASSWORD = 'admin-password';
const MEMBER_PASSWORD = 'member-password';
const CREDITS_PROBLEM = 'Enter a whole number of credits from 0 to 100,000,000.';

/** Waits for an assertion about the page to become true (playwright-core has no expect of its own). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });

let sequence = 0;
/** Records `credits` credits of AI usage by a user (1 credit per 1,000 tokens). */
async function use(h: Harness, org: string, user: { user_id: string; user_name?: string }, credits: number): Promise<void> {
  sequence += 1;
  const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, {
    idempotency_key: `member-limits-${org}-${sequence}`,
    ...user,
    feature: 'assistant',
    action: 'chat',
    tokens: credits * 1_000,
  });
  expect(response.statusCode, response.body).toBe(201);
}

async function authorize(h: Harness, org: string, userId: string): Promise<{ allowed: boolean; reason?: string }> {
  const response = await h.api('POST', `/v1/orgs/${org}/ai/authorize`, { user_id: userId, feature: 'assistant', action: 'chat' });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { allowed: boolean; reason?: string };
}

async function limitsOf(h: Harness, org: string): Promise<unknown> {
  return (await h.api('GET', `/v1/orgs/${org}/settings/user-limits`)).json();
}

describe.skipIf(!HAS_CHROMIUM)('Member limits', () => {
  const suite = useBrowserSuite();
  let page: Page;
  beforeEach(() => void ({ page } = suite));

  const row = (name: string) => page.getByRole('main').getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}`) }) });
  /** An attribute of the element that has the focus. */
  const focused = (attribute: string) =>
    page.evaluate((name) => (globalThis as unknown as { document: { activeElement: { getAttribute(name: string): string | null } | null } }).document.activeElement?.getAttribute(name), attribute);
  /** Scrolled to the top, so that a full-page screenshot shows the top bar where it belongs. */
  const toTop = () => page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  const sideways = () => sidewaysScroll(page);
  const saved = () => page.getByRole('status').filter({ hasText: 'Member limits saved.' });

  async function open(email: string, password: string, path: string): Promise<void> {
    await signInWithCookie(suite.context, suite.h, suite.baseUrl, email, password);
    await page.goto(path);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await loaded(page);
  }

  it('an admin sets a default and a person’s own limit; the API then refuses that person’s AI actions with USER_LIMIT_REACHED', async () => {
    const h = suite.h;
    const org = await createOrgAt(h, { plan: 'team' });
    await use(h, org, { user_id: 'u-ana', user_name: 'Ana Ruiz' }, 320);
    await use(h, org, { user_id: 'u-ben', user_name: 'Ben Okafor' }, 40);
    await open(`admin@${org}.test`, ADMIN_PASSWORD, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Member limits' }).click();
    await page.getByRole('heading', { name: 'Member limits', level: 1 }).waitFor();
    await loaded(page);

    // Before any limit: credits this period, no limit.
    await eventually(() => row('Ana Ruiz').getByRole('cell').first().innerText()).toMatch(/^320 · No limit/);
    await eventually(() => row('Ben Okafor').getByRole('cell').first().innerText()).toMatch(/^40 · No limit/);

    // A number that is not a limit is refused next to its field, and nothing is sent.
    await page.getByRole('radio', { name: 'A monthly limit for each member' }).check();
    await page.getByLabel('Monthly credits per member').fill('12.5');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText(CREDITS_PROBLEM).waitFor();
    await page.getByRole('alert').filter({ hasText: 'The limits were not saved: correct the numbers marked above.' }).waitFor();
    await eventually(() => focused('aria-invalid')).toBe('true');
    expect(await limitsOf(h, org)).toEqual({ default_monthly_credits: null, overrides: {} });

    // Default 500; Ana's own limit 300, below what she has used.
    await page.getByLabel('Monthly credits per member').fill('500');
    expect(await page.getByLabel('Monthly limit for Ana Ruiz').locator('option:checked').innerText()).toBe('Default (500)');
    await page.getByLabel('Monthly limit for Ana Ruiz').selectOption({ label: 'Custom limit' });
    await page.getByLabel('Monthly credits for Ana Ruiz').fill('300');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await saved().waitFor();
    expect(await page.getByText(CREDITS_PROBLEM).count()).toBe(0);
    expect(await limitsOf(h, org)).toEqual({ default_monthly_credits: 500, overrides: { 'u-ana': 300 } });

    expect(await authorize(h, org, 'u-ana')).toMatchObject({ allowed: false, reason: 'USER_LIMIT_REACHED' });
    expect(await authorize(h, org, 'u-ben')).toMatchObject({ allowed: true });

    // The table shows each person's credits against the limit now saved.
    await eventually(() => row('Ana Ruiz').getByRole('cell').first().innerText()).toMatch(/^320 of 300 · Limit reached/);
    await eventually(() => row('Ben Okafor').getByRole('cell').first().innerText()).toMatch(/^40 of 500/);
    await toTop();
    await shot(page, 'member-limits-1280');

    // Someone not listed yet gets no limit; Ana goes back to the default (her own limit removed).
    await page.getByLabel('User ID').fill('u-cleo');
    await page.getByRole('button', { name: 'Add a member' }).click();
    await eventually(() => focused('aria-label')).toBe('Monthly credits for u-cleo');
    await page.getByLabel('Monthly limit for u-cleo').selectOption({ label: 'No limit' });
    await page.getByLabel('User ID').fill('u-ana');
    await page.getByRole('button', { name: 'Add a member' }).click();
    await page.getByText('Ana Ruiz is already in the table: change their limit there.').waitFor();
    await page.getByLabel('Monthly limit for Ana Ruiz').selectOption({ label: 'Default (500)' });
    await page.getByRole('button', { name: 'Save limits' }).click();
    await saved().waitFor();
    expect(await limitsOf(h, org)).toEqual({ default_monthly_credits: 500, overrides: { 'u-cleo': null } });
    expect(await authorize(h, org, 'u-ana')).toMatchObject({ allowed: true });
    await eventually(() => row('Ana Ruiz').getByRole('cell').first().innerText()).toMatch(/^320 of 500/);
    await eventually(() => row('u-cleo').getByRole('cell').first().innerText()).toMatch(/^0 · No limit/);

    await page.setViewportSize(NARROW);
    expect(await sideways()).toBe(0);
    await toTop();
    await shot(page, 'member-limits-390');
    await page.setViewportSize(WIDE);
  });

  it('a member sees their own credits against their limit, and cannot set limits', async () => {
    const h = suite.h;
    const org = await createOrgAt(h, { plan: 'team' });
    const email = `maria@${org}.test`;
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'Maria Member', role: 'member', password: MEMBER_PASSWORD });
    expect(added.statusCode, added.body).toBe(201);
    const mariaId = (added.json() as { user_id: string }).user_id;
    expect((await h.api('PUT', `/v1/orgs/${org}/settings/user-limits`, { default_monthly_credits: 500, overrides: { 'u-ana': 100 } })).statusCode).toBe(200);
    await use(h, org, { user_id: mariaId, user_name: 'Maria Member' }, 320);
    await use(h, org, { user_id: 'u-ana', user_name: 'Ana Ruiz' }, 90);

    await open(email, MEMBER_PASSWORD, '/admin/ai-credits');
    const line = page.getByTestId('my-credit-limit');
    await eventually(() => line.innerText()).toBe('You have used 320 of your 500 monthly credits.');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Member limits' }).count()).toBe(0);

    await page.goto('/admin/member-limits');
    await page.getByText('Only admins can set member limits.', { exact: false }).waitFor();
    await eventually(() => line.innerText()).toBe('You have used 320 of your 500 monthly credits.');
    expect(await page.getByText('Ana Ruiz').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save limits' }).count()).toBe(0);
  });
});

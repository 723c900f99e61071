/**
 * What a first-time admin tripped over (issue 15), each in Chromium against the built web app: these
 * tests failed before their fix.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, createOrgAt } from '../support/billing.js';
import { balance } from '../support/metering.js';
import { HAS_CHROMIUM, loaded, NARROW, shot, signIn, useBrowserSuite, WIDE, sidewaysScroll } from '../support/browser.js';

const ADMIN_PASSWORD = 'admin-password';
const admin = (org: string) => `admin@${org}.test`;

describe.skipIf(!HAS_CHROMIUM)('a first-time admin', () => {
  const suite = useBrowserSuite();
  let h: Harness;
  let baseUrl: string;
  let page: Page;
  beforeEach(() => void ({ h, baseUrl, page } = suite));

  /** A screen of the side navigation, opened and loaded. */
  const openScreen = async (name: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
    await loaded(page);
  };
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
    // The next request shows it: opening Billing, or the top bar's own refresh if that comes first.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Billing', exact: true })
      .click({ timeout: 3_000 })
      .catch(() => undefined);
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
    await openScreen('Billing');
    await page.getByRole('button', { name: 'Change Plan', exact: true }).click();
    const comparison = page.locator('table.compare');
    await comparison.waitFor();
    await comparison.getByText('Contact sales').waitFor();
    expect(await page.getByRole('button', { name: 'Select Enterprise' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Select Business' }).count()).toBe(1);
    await shot(page, 'plan-comparison-contact-sales');
  });

  /** Admin Settings > AI Credits Usage, at the Purchase Credits section; records every purchase request sent. */
  async function openPurchase(org: string): Promise<Request[]> {
    const sent: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/credit-purchases')) sent.push(request);
    });
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await openScreen('AI Credits Usage');
    await page.getByRole('heading', { name: 'Purchase Credits', exact: true }).scrollIntoViewIfNeeded();
    return sent;
  }

  it('a purchase is reviewed first: Enter while the total loads charges nothing; the review names the card', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    const sent = await openPurchase(org);
    const amount = page.getByLabel('Credits to purchase', { exact: true });
    // Typed and Enter at once: the quote for 2,500 is not there yet, so nothing may be charged.
    await amount.fill('2500');
    await amount.press('Enter');
    expect(await page.getByRole('button', { name: 'Purchase Credits', exact: true }).isDisabled()).toBe(true);
    await page.getByTestId('purchase-grand-total').filter({ hasText: 'Total: $25.00' }).waitFor();
    await page.getByTestId('purchase-card').filter({ hasText: 'Charged to Visa •••• 4242' }).waitFor();
    await page.getByTestId('purchase-total').filter({ hasText: '2,500 credits = $25.00' }).waitFor();
    expect(sent).toHaveLength(0);
    expect((await balance(h, org)).purchased.remaining).toBe(0);
    await shot(page, 'purchase-review');
    await page.getByRole('button', { name: 'Purchase Credits', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '2,500 credits added to your balance.' }).waitFor();
    expect(sent).toHaveLength(1);
    expect((await balance(h, org)).purchased.remaining).toBe(2_500);
  });

  it('without a card the form says where to add one and cannot be sent', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    const sent = await openPurchase(org);
    await page.getByTestId('purchase-no-card').filter({ hasText: 'Add a payment method in Billing > Payment Methods to purchase credits.' }).waitFor();
    await page.getByTestId('purchase-grand-total').waitFor();
    expect(await page.getByRole('button', { name: 'Purchase Credits', exact: true }).isDisabled()).toBe(true);
    await page.getByLabel('Credits to purchase', { exact: true }).press('Enter');
    expect(sent).toHaveLength(0);
  });

  it('removing a card asks first, and says what removing the only card means', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await openScreen('Billing');
    const cards = page.getByRole('list', { name: 'Saved cards' });
    await cards.getByRole('button', { name: 'Remove', exact: true }).click();
    const confirm = page.getByRole('region', { name: 'Remove Visa •••• 4242?' });
    await confirm.getByText('It is your only card.').waitFor();
    await shot(page, 'remove-card-confirmation');
    // Nothing is removed until it is confirmed; keeping it closes the question.
    await confirm.getByRole('button', { name: 'Keep card' }).click();
    expect(await confirm.count()).toBe(0);
    expect((await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items).toHaveLength(1);
    await cards.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('button', { name: 'Remove card', exact: true }).click();
    await page.getByText('Visa •••• 4242, expires 12/2030 removed.').waitFor();
    expect((await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items).toHaveLength(0);
  });

  it('"Click any entry to view the full invoice details": a click anywhere on an invoice row or a billing-history entry opens it', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    const billing = () => openScreen('Billing');
    await billing();
    const row = page.locator('table.invoices tbody tr').first();
    // (Runs in the page, which has the DOM's getComputedStyle.)
    const cursor = await row.evaluate((element) => (globalThis as unknown as { getComputedStyle(node: unknown): { cursor: string } }).getComputedStyle(element).cursor);
    expect(cursor).toBe('pointer');
    // The row's date cell, not its link.
    await row.getByRole('cell').nth(1).click();
    await page.waitForURL(/\/billing\/invoices\//);
    await page.getByRole('heading', { name: /^Invoice LB-/ }).waitFor();
    await billing();
    const entry = page.getByRole('list', { name: 'Billing history' }).getByRole('listitem').first();
    await entry.locator('time').click();
    await page.waitForURL(/\/billing\/invoices\//);
    await billing();
    // Keyboard: the entry's invoice is a link.
    await page.getByRole('list', { name: 'Billing history' }).getByRole('link', { name: /^Invoice LB-/ }).first().press('Enter');
    await page.waitForURL(/\/billing\/invoices\//);
  });

  it('labels say what is true: on-demand off is not "no cap"; a scheduled downgrade is undone by keeping the plan', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org);
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/change`, { plan: 'starter' })).statusCode).toBe(202);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await openScreen('AI Credits Usage');
    await page.getByTestId('overage-cap-money').filter({ hasText: 'On-demand usage is off: AI stops when your credits run out' }).waitFor();
    expect(await page.getByText('No cap on extra spend').count()).toBe(0);
    await openScreen('Billing');
    expect(await page.getByRole('button', { name: 'Resume subscription' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Keep the Team plan', exact: true }).click();
    await expect.poll(async () => (await h.api('GET', `/v1/orgs/${org}`)).json().subscription.scheduled_plan, { timeout: 10_000 }).toBeNull();
  });

  it('a wrong current password is told in a sentence, never as a field name', async () => {
    const org = await createOrgAt(h, {});
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await page.goto(`${baseUrl}/profile`);
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password').fill('a-brand-new-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'password' });
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Current password is not your current password.');
  });

  it.each([
    ['1280', WIDE],
    ['390', NARROW],
  ] as const)('long org and user names keep the top bar on one line at %s px, cut with an ellipsis', async (_width, viewport) => {
    const org = await createOrgAt(h, {});
    const longOrg = 'Consolidated Northern Hemisphere Industrial Inspection and Quality Assurance Holdings International';
    expect((await h.api('PATCH', `/v1/orgs/${org}`, { name: longOrg })).statusCode).toBe(200);
    await h.db.updateTable('users').set({ name: 'Maximiliana Alexandrina Konstantinopoulou-Vanderbilt-Featherstonehaugh' }).where('email', '=', admin(org)).execute();
    await page.setViewportSize(viewport);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await loaded(page);
    const bar = page.getByRole('banner');
    const box = await bar.boundingBox();
    // One row of controls (two at 390 px, where the org name has its own), and nothing wider than the screen.
    expect(box!.height).toBeLessThan(viewport.width < 500 ? 110 : 70);
    const overflow = await sidewaysScroll(page);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.locator('.org-name').getAttribute('title')).toBe(longOrg);
    await page.getByTestId('topbar-balance').waitFor();
    await shot(page, `long-names-${viewport.width}`);
  });
});


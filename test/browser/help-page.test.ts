/**
 * The help page (AI Credits & Billing) followed step by step in a real browser: Debian's Chromium
 * driven by playwright-core against the built web app (dist/web) served by the real app on a real
 * port. Each test is one procedure of the page; the labels are those of docs/ui-contract.md.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Request } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, CARDS, createOrgAt, invoices, org as orgView, purchase } from '../support/billing.js';
import { advance, balance } from '../support/metering.js';
import { HAS_CHROMIUM, loaded, NARROW, shot, signIn, TAKE_SCREENSHOTS, useBrowserSuite, WIDE } from '../support/browser.js';

if (!HAS_CHROMIUM) {
  console.warn('Browser tests skipped: no Chromium at /usr/bin/chromium (install Debian’s "chromium" package to run them).');
}

const ADMIN_PASSWORD = 'admin-password';
const admin = (org: string) => `admin@${org}.test`;

/** The dates the web app prints (format.ts): "Feb 28, 2026", in UTC. */
const shortDate = (iso: string) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(iso));

/** Waits for an assertion about the page to become true (playwright-core has no expect of its own). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });

describe.skipIf(!HAS_CHROMIUM)('the AI Credits & Billing help page, followed in the browser', () => {
  const suite = useBrowserSuite({ audit: true, acceptDownloads: true });
  let h: Harness;
  let baseUrl: string;
  let context: BrowserContext;
  let page: Page;
  beforeEach(() => void ({ h, baseUrl, context, page } = suite));

  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  const main = () => page.getByRole('main');
  const topBalance = () => page.getByTestId('topbar-balance-value').textContent();
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const heading = (name: string) => page.getByRole('heading', { name, exact: true });

  /** Admin Settings > AI Credits Usage, scrolled to the Purchase Credits section. */
  async function openPurchaseCredits() {
    await nav('AI Credits Usage').click();
    await heading('AI Credits Usage').waitFor();
    await loaded(page);
    await heading('Purchase Credits').scrollIntoViewIfNeeded();
  }

  it('purchase credits: 1,000 credits cost $10.00 and are added to the balance at once, also in the top bar', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await eventually(topBalance).toBe('2,000');
    // The balance in the top navigation bar opens its breakdown.
    await page.getByTestId('topbar-balance').click();
    await page.getByRole('dialog', { name: 'Credit balance breakdown' }).waitFor();
    await page.keyboard.press('Escape');

    // Go to Admin Settings > AI Credits Usage; scroll to the Purchase Credits section.
    await openPurchaseCredits();
    // Enter the number of credits you want to buy (the slider follows).
    await page.getByLabel('Credits to purchase', { exact: true }).fill('1000');
    expect(await page.getByLabel('Credits slider', { exact: true }).inputValue()).toBe('1000');
    // Review the total price: $0.01 per credit.
    await eventually(() => page.getByTestId('purchase-total').textContent()).toContain('1,000 credits = $10.00');
    await eventually(() => page.getByTestId('purchase-tax').textContent()).toContain('Tax: $0.00');
    await page.getByText('Total: $10.00').first().waitFor();
    // Click Purchase Credits.
    await button('Purchase Credits').click();
    // Your credits are added to your balance immediately.
    await page.getByRole('status').filter({ hasText: '1,000 credits added to your balance.' }).waitFor();
    await eventually(topBalance).toBe('3,000');
    await main().getByText(/(^|[^\d,])3,000(?![\d,])/).first().waitFor();
    expect((await balance(h, org)).purchased.remaining).toBe(1_000);
  });

  it('purchase limits: 99 and 100,001 credits are refused in the page before any request is sent', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    const purchases: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/credit-purchases')) purchases.push(request);
    });
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await openPurchaseCredits();
    const amount = page.getByLabel('Credits to purchase', { exact: true });

    await amount.fill('99');
    await page.getByText('Minimum purchase is 100 credits').waitFor();
    expect(await button('Purchase Credits').isDisabled()).toBe(true);
    await amount.press('Enter');

    await amount.fill('100001');
    await page.getByText('Maximum purchase is 100,000 credits per transaction').waitFor();
    expect(await button('Purchase Credits').isDisabled()).toBe(true);
    await amount.press('Enter');

    await amount.fill('150.5');
    await page.getByText('Enter a whole number of credits').first().waitFor();
    expect(await button('Purchase Credits').isDisabled()).toBe(true);

    // The limits themselves are allowed.
    for (const allowed of ['100', '100000']) {
      await amount.fill(allowed);
      await eventually(() => button('Purchase Credits').isEnabled()).toBe(true);
      expect(await page.getByText('Minimum purchase is 100 credits').count()).toBe(0);
      expect(await page.getByText('Maximum purchase is 100,000 credits per transaction').count()).toBe(0);
    }

    // Nothing was sent so far: the browser sends requests in order, so once a valid purchase has
    // gone through, every request the refused amounts could have caused would be ahead of it.
    await amount.fill('100');
    await button('Purchase Credits').click();
    await page.getByRole('status').filter({ hasText: '100 credits added to your balance.' }).waitFor();
    expect(purchases.map((request) => request.postDataJSON() as { credits: number }).map((body) => body.credits)).toEqual([100]);
    expect((await balance(h, org)).purchased.remaining).toBe(100);
    await eventually(topBalance).toBe('2,100');
  });

  it('a declined card: the decline is shown and the balance is unchanged', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org, CARDS.declined);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await openPurchaseCredits();
    await page.getByLabel('Credits to purchase', { exact: true }).fill('1000');
    await eventually(() => page.getByTestId('purchase-total').textContent()).toContain('1,000 credits = $10.00');
    await button('Purchase Credits').click();
    await page.getByRole('alert').filter({ hasText: 'Payment failed: the card was declined. No credits were added.' }).waitFor();
    expect(await page.getByText('credits added to your balance').count()).toBe(0);
    expect(await topBalance()).toBe('2,000');
    expect((await balance(h, org)).purchased.remaining).toBe(0);
  });

  it('on-demand usage: enable it with a monthly limit of 1,000 credits, save, and it is kept after a reload', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    // Go to Admin Settings > AI Credits Usage.
    await nav('AI Credits Usage').click();
    await heading('AI Credits Usage').waitFor();
    await loaded(page);
    await heading('On-Demand Usage').scrollIntoViewIfNeeded();
    // In On-Demand Usage, turn on Enable on-demand usage.
    const enabled = page.getByLabel('Enable on-demand usage', { exact: true });
    expect(await enabled.isChecked()).toBe(false);
    await enabled.check();
    // Enter your Monthly overage limit (credits).
    const limit = page.getByLabel('Monthly overage limit (credits)');
    const settingsWrites: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/settings/on-demand')) settingsWrites.push(request.postDataJSON());
    });
    await limit.fill('-5');
    await page.getByText('Enter a whole number of credits, 0 or more').waitFor();
    if (await button('Save Settings').isEnabled()) await button('Save Settings').click();
    await limit.fill('0');
    await eventually(() => page.getByTestId('overage-cap-money').textContent()).toContain('No cap on extra spend');
    await limit.fill('1000');
    await eventually(() => page.getByTestId('overage-cap-money').textContent()).toContain('1,000 credits caps extra spend at $10.00');
    await page.getByText('Use 0 for no cap').first().waitFor();
    // Click Save Settings.
    await button('Save Settings').click();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    // The refused -5 sent nothing: the one write, in request order, is this save.
    expect(settingsWrites).toEqual([{ enabled: true, monthly_limit_credits: 1_000 }]);
    expect((await h.api('GET', `/v1/orgs/${org}/settings/on-demand`)).json()).toEqual({ enabled: true, monthly_limit_credits: 1_000 });

    await page.reload();
    await heading('On-Demand Usage').waitFor();
    await loaded(page);
    await eventually(() => page.getByLabel('Enable on-demand usage', { exact: true }).isChecked()).toBe(true);
    await eventually(() => page.getByLabel('Monthly overage limit (credits)').inputValue()).toBe('1000');
  });

  it('conserving credits: a module turned off in AI Features is refused by the metering API', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await nav('AI Features').click();
    await heading('AI Features').waitFor();
    await loaded(page);
    for (const module of ['Assistant', 'Reports', 'Documents', 'Inspections', 'Analytics']) {
      expect(await page.getByRole('switch', { name: module, exact: true }).isChecked(), module).toBe(true);
    }
    await page.getByRole('switch', { name: 'Reports', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /^Saved$/ }).waitFor();
    expect(await page.getByRole('switch', { name: 'Reports', exact: true }).isChecked()).toBe(false);

    const refused = await h.api('POST', `/v1/orgs/${org}/ai/authorize`, { user_id: 'user-1', feature: 'reports', action: 'summarize', estimated_tokens: 1_000 });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json()).toMatchObject({ allowed: false, reason: 'FEATURE_DISABLED' });

    await page.reload();
    await heading('AI Features').waitFor();
    await loaded(page);
    await eventually(() => page.getByRole('switch', { name: 'Reports', exact: true }).isChecked()).toBe(false);
    expect(await page.getByRole('switch', { name: 'Assistant', exact: true }).isChecked()).toBe(true);
  });

  it('billing history: open an invoice from Invoice History and Download PDF saves a real PDF', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    expect((await purchase(h, org, 1_000)).statusCode).toBe(201);
    const invoice = (await invoices(h, org)).find((candidate) => candidate.kind === 'credit_purchase');
    expect(invoice).toBeDefined();
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    // Go to Billing; scroll to the Invoice History section.
    await nav('Billing').click();
    await heading('Billing').waitFor();
    await heading('Invoice History').scrollIntoViewIfNeeded();
    // Click any entry to view the full invoice details.
    await page.getByRole('link', { name: invoice!.number, exact: true }).click();
    await heading(`Invoice ${invoice!.number}`).waitFor();
    await loaded(page);
    await main().getByText('1,000 AI credits').first().waitFor();
    await main().getByText('$10.00').first().waitFor();
    // Click Download PDF to save a copy of the invoice.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF' }).click()]);
    const file = path.join(tmpdir(), `loupe-${invoice!.number}-${Date.now()}.pdf`);
    await download.saveAs(file);
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(1_000);
    await page.getByRole('link', { name: 'Back to Billing' }).click();
    await heading('Invoice History').waitFor();
  });

  it('change plan: Starter → Team through Change Plan, Select Team, Confirm change', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    // Go to Billing > Subscription.
    await nav('Billing').click();
    await heading('Subscription').waitFor();
    await main().getByText('Starter — $49.00 / month').waitFor();
    // Click Change Plan to see available options.
    await button('Change Plan').click();
    await button('Select Business').waitFor();
    // Select your desired plan and confirm the change.
    await button('Select Team').click();
    await button('Confirm change').click();
    await main().getByText('Team — $199.00 / month').waitFor();
    expect((await orgView(h, org)).plan).toBe('team');
    await page.reload();
    await main().getByText('Team — $199.00 / month').waitFor();
    await eventually(topBalance).toBe('10,000');
  });

  it('cancel and resume: the end of the term is shown until the subscription is resumed', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    const ends = `Your subscription ends on ${shortDate((await orgView(h, org)).subscription.current_period_end)}.`;
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await nav('Billing').click();
    await heading('Subscription').waitFor();
    await main().getByText('Starter — $49.00 / month').waitFor();
    await button('Cancel subscription').click();
    await button('Confirm cancellation').click();
    await main().getByText(ends).waitFor();
    expect((await orgView(h, org)).subscription.cancel_at_period_end).toBe(true);
    await page.reload();
    await main().getByText(ends).waitFor();
    await button('Resume subscription').click();
    await main().getByText(ends).waitFor({ state: 'detached' });
    await button('Cancel subscription').waitFor();
    expect((await orgView(h, org)).subscription.cancel_at_period_end).toBe(false);
  });

  it('add a payment method: Billing > Payment Methods, form Add a card', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
    await nav('Billing').click();
    await heading('Payment Methods').scrollIntoViewIfNeeded();
    const fillCard = async (number: string) => {
      await page.getByLabel('Card number').fill(number);
      await fillOrSelect(page, 'Expiry month', '12');
      await fillOrSelect(page, 'Expiry year', '2030');
      await page.getByLabel('CVC').fill('123');
      await button('Add card').click();
    };
    // A mistyped number is refused with the field's message.
    await fillCard('4242 4242 4242 4241');
    await main().getByText('The card number is not valid.').waitFor();
    await fillCard('4242 4242 4242 4242');
    // The card list and the confirmation both name the card: wait for the list's entry.
    await main().locator('.card-name', { hasText: 'Visa •••• 4242, expires 12/2030' }).waitFor();
    await main().getByText('added as your default card.').waitFor();
    await main().getByText('Default', { exact: true }).first().waitFor();
    const saved = (await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items;
    expect(saved).toEqual([expect.objectContaining({ brand: 'visa', last4: '4242', default: true })]);
  });

  it('a member sees no purchase or settings controls, and the API refuses the member’s writes anyway', async () => {
    const org = await createOrgAt(h, { region: 'CA' });
    await addCard(h, org);
    const email = `maria@${org}.test`;
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'Maria Member', role: 'member', password: 'member-password' });
    expect(added.statusCode, added.body).toBe(201);
    await signIn(page, baseUrl, email, 'member-password');

    await nav('AI Credits Usage').click();
    await heading('On-Demand Usage').waitFor();
    await loaded(page);
    await heading('Usage history').waitFor();
    expect(await heading('Purchase Credits').count()).toBe(0);
    expect(await button('Purchase Credits').count()).toBe(0);
    expect(await button('Save Settings').count()).toBe(0);
    expect(await page.getByLabel('Enable on-demand usage', { exact: true }).isDisabled()).toBe(true);
    expect(await page.getByLabel('Monthly overage limit (credits)').isDisabled()).toBe(true);

    await nav('AI Features').click();
    await heading('AI Features').waitFor();
    await loaded(page);
    const switches = page.getByRole('switch');
    expect(await switches.count()).toBe(5);
    for (const toggle of await switches.all()) expect(await toggle.isDisabled()).toBe(true);

    await nav('Billing').click();
    await heading('Subscription').waitFor();
    await loaded(page);
    await heading('Payment Methods').waitFor();
    await main().getByText('Starter — $49.00 / month').waitFor();
    await heading('Invoice History').waitFor();
    await loaded(page);
    for (const name of ['Change Plan', 'Cancel subscription', 'Add card', 'Set as default', 'Remove']) {
      expect(await button(name).count(), name).toBe(0);
    }

    // The API refuses the member's session anyway (with a valid CSRF token, so it is the role that is refused).
    const me = await page.request.get(`${baseUrl}/v1/auth/me`);
    expect(me.status()).toBe(200);
    const headers = { 'x-csrf-token': (await me.json()).csrf_token as string };
    const onDemand = await page.request.put(`${baseUrl}/v1/orgs/${org}/settings/on-demand`, { data: { enabled: true, monthly_limit_credits: 1_000 }, headers });
    expect(onDemand.status()).toBe(403);
    expect((await onDemand.json()).code).toBe('FORBIDDEN');
    const bought = await page.request.post(`${baseUrl}/v1/orgs/${org}/credit-purchases`, { data: { credits: 1_000, idempotency_key: 'member-try' }, headers });
    expect(bought.status()).toBe(403);
    const features = await page.request.put(`${baseUrl}/v1/orgs/${org}/settings/ai-features`, { data: { modules: { reports: false } }, headers });
    expect(features.status()).toBe(403);
    expect((await h.api('GET', `/v1/orgs/${org}/settings/on-demand`)).json()).toMatchObject({ enabled: false });
    expect((await balance(h, org)).purchased.remaining).toBe(0);
  });

  // Only for the README's pictures (npm run screenshots): the screens' behaviour is tested above.
  it.runIf(TAKE_SCREENSHOTS)('screenshots of every screen at 1280 and 390 px wide', { timeout: 120_000 }, async () => {
    // An org that looks used: Team plan, a card, purchased credits, a closed period with its invoice,
    // and ~40 AI actions by three people over the last ten days.
    const org = await createOrgAt(h, { plan: 'team', region: 'CA' });
    await addCard(h, org);
    expect((await purchase(h, org, 5_000)).statusCode).toBe(201);
    const people = [
      ['u-ana', 'Ana Ruiz'],
      ['u-ben', 'Ben Okafor'],
      ['u-chen', 'Chen Wei'],
    ] as const;
    const features = ['assistant', 'reports', 'documents', 'inspections', 'analytics'] as const;
    const actions = ['chat', 'summarize', 'draft', 'extract', 'explain'] as const;
    const periodEnd = new Date((await orgView(h, org)).subscription.current_period_end);
    const now = new Date(periodEnd.getTime() + 10 * 86_400_000 + 5 * 3_600_000);
    await advance(h, now);
    for (let row = 0; row < 40; row += 1) {
      const day = Math.floor(row / 4);
      const occurred = new Date(periodEnd.getTime() + day * 86_400_000 + (2 + ((row * 5) % 9)) * 3_600_000);
      const [userId, userName] = people[(row * 7) % people.length]!;
      const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, {
        idempotency_key: `screenshot-${org}-${row}`,
        user_id: userId,
        user_name: userName,
        feature: features[(row * 3 + day) % features.length],
        action: actions[row % actions.length],
        tokens: 4_000 + ((row * 7_919) % 60_000),
        occurred_at: occurred.toISOString(),
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    const all = await invoices(h, org);
    const invoice = all.find((candidate) => candidate.kind !== 'credit_purchase') ?? all[0];
    expect(invoice).toBeDefined();
    await context.close();

    for (const [width, viewport] of [
      [1280, WIDE],
      [390, NARROW],
    ] as const) {
      // Written back to the suite, whose afterEach closes (and screenshots) the last ones.
      context = suite.context = await suite.browser.newContext({ viewport, acceptDownloads: true, baseURL: baseUrl });
      context.setDefaultTimeout(10_000);
      page = suite.page = await context.newPage();
      await page.goto(`${baseUrl}/`);
      await heading('Sign in to Loupe Factory').waitFor();
      await shot(page, `login-${width}`);
      await signIn(page, baseUrl, admin(org), ADMIN_PASSWORD);
      const screens = [
        ['ai-credits-usage', '/admin/ai-credits', 'AI Credits Usage'],
        ['ai-features', '/admin/ai-features', 'AI Features'],
        ['billing', '/billing', 'Billing'],
        ['invoice', `/billing/invoices/${invoice!.id}`, `Invoice ${invoice!.number}`],
        ['reports', '/reports', 'Reporting & Analytics'],
        ['profile', '/profile', 'Profile'],
      ] as const;
      for (const [name, url, title] of screens) {
        await page.goto(`${baseUrl}${url}`);
        await heading(title).waitFor();
        await loaded(page);
        if (name === 'ai-credits-usage') await page.getByRole('cell', { name: 'Ana Ruiz' }).first().waitFor();
        if (name === 'ai-credits-usage' && width === 1280) {
          const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
          expect(href).toMatch(new RegExp(`^/v1/orgs/${org}/usage\\.csv`));
        }
        if (name === 'reports') {
          await eventually(() => button('By feature').getAttribute('aria-pressed')).toBe('true');
          await page.getByText(/At the last 7 days' rate/).first().waitFor();
          // The chart has drawn its bars (no animation) and is not waiting for a newer answer.
          await page.locator('.reports-chart:not(.updating) .recharts-bar-rectangle').first().waitFor();
        }
        await eventually(topBalance).toMatch(/\d/);
        await shot(page, `${name}-${width}`);
      }
      await context.close();
    }
    context = suite.context = await suite.browser.newContext();
    page = suite.page = await context.newPage();
  });
});

/** Fills a labelled field, or picks the option when the field is a select (the contract says only "field"). */
async function fillOrSelect(page: Page, label: string, value: string) {
  const field = page.getByLabel(label, { exact: true });
  if ((await field.evaluate((element) => (element as unknown as { tagName: string }).tagName)) === 'SELECT') {
    await field.selectOption(value).catch(() => field.selectOption({ label: value }));
  } else {
    await field.fill(value);
  }
}

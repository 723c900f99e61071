/**
 * Billing shows the money before and after it moves (issue 15, defects 6, 7, 8, 10 and 11), each in
 * Chromium against the built web app: an open invoice asks for a card or offers "Pay now", a declined
 * default card says so, the upcoming invoice and the proration of an upgrade are shown before the
 * change (and are what the server then bills), and an ended subscription shows how long its data
 * stays and exports it. These tests failed before their change.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, CARDS, createOrgAt, invoices, org as orgView } from '../support/billing.js';
import { advance, leavePlanCredits, record, setOnDemand } from '../support/metering.js';
import { expectNoAxeViolations, HAS_CHROMIUM, loaded, NARROW, shot, signInWithCookie, useBrowserSuite, WIDE, sidewaysScroll } from '../support/browser.js';

const ADMIN_PASSWORD = 'admin-password';
const DAY_MS = 86_400_000;

/** "Dec 22, 2026", as the app writes a date. */
const day = (iso: string | number) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
const dollars = (cents: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

describe.skipIf(!HAS_CHROMIUM)('Billing shows the money', () => {
  const suite = useBrowserSuite({ acceptDownloads: true });
  let h: Harness;
  let page: Page;
  beforeEach(() => void ({ h, page } = suite));

  /** Billing for the org's admin, with the browser's clock at the server's (test) clock, loaded. */
  async function openBilling(org: string): Promise<void> {
    await suite.context.clock.setFixedTime(h.clock.now());
    await signInWithCookie(suite.context, h, suite.baseUrl, `admin@${org}.test`, ADMIN_PASSWORD);
    await page.goto('/billing');
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    await loaded(page);
  }

  /** The page at 1280 and at 390 px (docs/screenshots/<name>-1280.png, -390.png), checked by axe at each; back at 1280. */
  async function shots(name: string): Promise<void> {
    for (const [width, viewport] of [['1280', WIDE], ['390', NARROW]] as const) {
      await page.setViewportSize(viewport);
      await shot(page, `${name}-${width}`);
      await expectNoAxeViolations(page, `${name} at ${width} px`);
    }
    await page.setViewportSize(WIDE);
  }

  const main = () => page.getByRole('main');
  const section = (heading: string) => page.locator('section', { has: page.getByRole('heading', { name: heading, exact: true }) });
  /** No code, field name or "Past due (…)" anywhere a person reads. */
  async function expectNoCodes(): Promise<void> {
    const text = await main().innerText();
    expect(text).not.toMatch(/no_payment_method|card_declined|past_due|PAYMENT_DECLINED|NO_UPCOMING_INVOICE|Past due \(/);
  }

  it('an open invoice without a card asks for one right there; adding the card pays it and the notice goes', async () => {
    const org = await createOrgAt(h, { plan: 'starter' });
    await advance(h, { seconds: 1 });
    const [invoice] = await invoices(h, org);
    expect(invoice).toMatchObject({ status: 'open', total_cents: 4_900 });
    await openBilling(org);

    const due = section('Payment due');
    await due.getByText(`Add a card to pay invoice ${invoice!.number} (${dollars(4_900)}).`).waitFor();
    expect(await main().getByText('Past due').count()).toBe(0);
    await expectNoCodes();
    await shots('billing-add-card-to-pay');

    // The notice's button takes the admin to the card form, its first field ready for typing.
    await due.getByRole('button', { name: 'Add a card' }).click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe('card-card_number');
    await page.keyboard.type(CARDS.ok);
    await page.getByLabel('Expiry month').fill('12');
    await page.getByLabel('Expiry year').fill('2030');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Add card', exact: true }).click();

    await page.getByText('Visa •••• 4242, expires 12/2030 added as your default card.').waitFor();
    await due.waitFor({ state: 'detached' });
    await page.locator('table.invoices tbody tr', { hasText: invoice!.number }).getByText('Paid', { exact: true }).waitFor();
    expect((await invoices(h, org))[0]?.status).toBe('paid');
  });

  it('a declined default card is named on its card; Pay now says what happened, declined and then paid', async () => {
    const org = await createOrgAt(h, { plan: 'starter' });
    await advance(h, { seconds: 1 });
    const [invoice] = await invoices(h, org);
    await addCard(h, org, CARDS.failsWhenCharged);
    await addCard(h, org, CARDS.ok);
    expect((await invoices(h, org))[0]?.status).toBe('open');
    await openBilling(org);

    const cards = page.getByRole('list', { name: 'Saved cards' });
    const failedOn = day(h.clock.now().getTime());
    await cards.getByText(`Visa •••• 0341 was declined on ${failedOn}. Add another card or make another card the default.`).waitFor();
    // Only the default card's failure is a warning.
    expect(await cards.getByText('was declined').count()).toBe(1);

    const due = section('Payment due');
    await due.getByText(`Invoice ${invoice!.number} (${dollars(4_900)}), issued`).waitFor();
    await due.getByText('Pay now charges your default card, Visa •••• 0341.').waitFor();
    await due.getByRole('button', { name: 'Pay now' }).click();
    await due.getByRole('alert').filter({ hasText: 'Payment failed: the card was declined. The invoice is still open.' }).waitFor();
    await expectNoCodes();
    await shots('billing-pay-now-declined');

    // The declined card removed, the other one is the default: Pay now charges it.
    await cards.locator('li', { hasText: '0341' }).getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('button', { name: 'Remove card', exact: true }).click();
    await due.getByText('Pay now charges your default card, Visa •••• 4242.').waitFor();
    expect(await cards.getByText('was declined').count()).toBe(0);
    await due.getByRole('button', { name: 'Pay now' }).click();
    // Nothing is due any more: the notice keeps only the outcome (its heading becomes "Payment").
    await page.getByRole('status').filter({ hasText: `Invoice ${invoice!.number} is paid.` }).waitFor();
    await expect.poll(async () => page.getByRole('button', { name: 'Pay now' }).count()).toBe(0);
    expect((await invoices(h, org))[0]?.status).toBe('paid');
    await page.locator('table.invoices tbody tr', { hasText: invoice!.number }).getByText('Paid', { exact: true }).waitFor();
  });

  it('the upcoming invoice shows price, overage in dollars, tax, total and date; an upgrade shows the proration the server then bills', async () => {
    const org = await createOrgAt(h, { plan: 'starter', region: 'NY' });
    await addCard(h, org);
    const { current_period_start, current_period_end } = (await orgView(h, org)).subscription;
    const start = Date.parse(current_period_start);
    const end = Date.parse(current_period_end);
    await advance(h, new Date(start + Math.round((end - start) / 3)));
    await leavePlanCredits(h, org, 0);
    await setOnDemand(h, org, { enabled: true, monthly_limit_credits: 2_000 });
    await record(h, org, { tokens: 750_000 });
    const before = (await h.api('GET', `/v1/orgs/${org}/invoices/upcoming`)).json();
    await openBilling(org);

    const upcoming = section('Upcoming invoice');
    await upcoming.getByText(`Billed on ${day(current_period_end)}`).waitFor();
    const row = (label: string | RegExp) => upcoming.getByRole('row').filter({ has: page.getByRole('rowheader', { name: label }) });
    await row(`Starter plan, the period starting ${day(current_period_end)}`).getByText('$49.00').waitFor();
    await row('On-demand usage so far: 750 credits at $0.01 each').getByText('$7.50').waitFor();
    await row(/^Sales tax/).getByText(dollars(before.tax_cents)).waitFor();
    await row('Estimated total').getByText(dollars(before.total_cents)).waitFor();
    expect(before.tax_cents).toBeGreaterThan(0);

    // The upgrade's dialog names the amount it adds, computed as the server computes it.
    await page.getByRole('button', { name: 'Change Plan', exact: true }).click();
    await page.getByRole('button', { name: 'Select Team' }).click();
    const dialog = page.getByRole('region', { name: 'Change from Starter to Team?' });
    const proration = dialog.getByText(/Adds \$[\d,.]+ to your next invoice on/);
    await proration.waitFor();
    const shown = await proration.innerText();
    const match = /Adds (\$[\d,.]+) to your next invoice on (\w+ \d+, \d+) \(Team for the (\d+) days left\)\./.exec(shown);
    expect(match, shown).not.toBeNull();
    expect(match![2]).toBe(day(current_period_end));
    expect(Number(match![3])).toBe(Math.round((end - h.clock.now().getTime()) / DAY_MS));
    await shots('billing-upgrade-proration');

    await dialog.getByRole('button', { name: 'Confirm change' }).click();
    await page.getByRole('status').filter({ hasText: 'Your plan is now Team.' }).waitFor();
    // What the server will bill is what the dialog said, and the upcoming invoice now shows it.
    const after = (await h.api('GET', `/v1/orgs/${org}/invoices/upcoming`)).json() as { lines: { kind: string; amount_cents: number }[] };
    const prorated = after.lines.filter((line) => line.kind === 'proration');
    expect(prorated).toHaveLength(1);
    expect(dollars(prorated[0]!.amount_cents)).toBe(match![1]);
    await row(/^Upgrade from Starter to Team/).getByText(match![1]!).waitFor();
    await row(`Team plan, the period starting ${day(current_period_end)}`).getByText('$199.00').waitFor();
    await shots('billing-upcoming-invoice');

    // A downgrade waits for the period end, and says so.
    await page.getByRole('button', { name: 'Change Plan', exact: true }).click();
    await page.getByRole('button', { name: 'Select Starter' }).click();
    await page
      .getByRole('region', { name: 'Change from Team to Starter?' })
      .getByText(`Starter ($49.00 / month) takes effect at the end of the current period, on ${day(current_period_end)}: the new price applies from then`)
      .waitFor();
    await expectNoCodes();
  });

  it('an ended subscription: nothing more billed, data readable 30 days with Export, only a new plan offered, all 4 plans at 390 px', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org);
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/cancel`)).statusCode).toBe(202);
    const end = (await orgView(h, org)).subscription.current_period_end;
    await openBilling(org);
    await section('Upcoming invoice').getByText(`Your subscription ends on ${day(end)}; nothing more will be billed.`).waitFor();

    await advance(h, new Date(Date.parse(end) + 60_000));
    expect((await orgView(h, org)).subscription.status).toBe('canceled');
    // A month later the session has expired too: signed in again.
    await openBilling(org);
    const subscription = section('Subscription');
    await subscription.getByText(`Your data stays readable until ${day(Date.parse(end) + 30 * DAY_MS)} (30 days after the subscription ended)`).waitFor();
    await section('Upcoming invoice').getByText('Your subscription has ended; nothing more will be billed.').waitFor();
    for (const gone of ['Cancel subscription', 'Resume subscription', 'Change Plan']) expect(await page.getByRole('button', { name: gone, exact: true }).count(), gone).toBe(0);
    await shots('billing-subscription-ended');

    const [download] = await Promise.all([page.waitForEvent('download'), subscription.getByRole('link', { name: 'Export all data' }).click()]);
    expect(download.suggestedFilename()).toBe(`${org}-export.zip`);
    const file = path.join(tmpdir(), `loupe-${org}-export-${Date.now()}.zip`);
    await download.saveAs(file);
    expect((await readFile(file)).subarray(0, 2).toString('latin1')).toBe('PK');

    // At 390 px every plan is on screen as a card of its own, and nothing scrolls sideways.
    await page.setViewportSize(NARROW);
    await page.getByRole('button', { name: 'Choose a plan', exact: true }).click();
    const comparison = page.getByRole('region', { name: 'Compare plans' });
    const choices = [
      ...['Starter', 'Team', 'Business'].map((plan) => comparison.getByRole('button', { name: `Select ${plan}` })),
      comparison.getByText('Contact sales'),
    ];
    for (const choice of choices) {
      await choice.waitFor();
      const box = (await choice.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(NARROW.width);
    }
    const overflow = await sidewaysScroll(page);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'plan-comparison-390');

    // Choosing a plan starts a new term.
    await page.getByRole('button', { name: 'Select Team' }).click();
    const confirm = page.getByRole('region', { name: 'Resubscribe to Team?' });
    await confirm.getByRole('button', { name: 'Resubscribe', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Your subscription is active again on Team, with a new term.' }).waitFor();
    expect((await orgView(h, org)).subscription.status).toBe('active');
    await expectNoCodes();
  });
});

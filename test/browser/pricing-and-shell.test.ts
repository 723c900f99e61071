/**
 * Pricing & Plans and the Billing FAQ (the help page links to both), the app shell on a 390 px phone,
 * and Stripe.js fetched only where Stripe is used (issue 15): in Chromium against the built web app.
 * Each test failed before its change.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, createOrgAt, purchase } from '../support/billing.js';
import { HAS_CHROMIUM, loaded, NARROW, shot, signInWithCookie, useBrowserSuite, WIDE, sidewaysScroll } from '../support/browser.js';

const ADMIN_PASSWORD = 'admin-password';
const admin = (org: string) => `admin@${org}.test`;

/** The questions of the help page, in the order the FAQ answers them, with their anchors. */
const FAQ = [
  ['what-are-ai-credits', 'What are AI credits?'],
  ['how-credits-are-used', 'How are credits used?'],
  ['when-credits-reset', 'When do included credits reset?'],
  ['purchased-credits', 'Can we buy more credits, and do they expire?'],
  ['on-demand-usage', 'What is on-demand usage, and how does its limit work?'],
  ['when-credits-run-out', 'What happens when our credits run out?'],
  ['changing-plan', 'How do plan changes work? Are they prorated?'],
  ['cancellation', 'What happens when we cancel?'],
  ['invoices-and-tax', 'Where are our invoices, and how is tax worked out?'],
  ['payment-methods', 'How can we pay?'],
] as const;

type Box = { x: number; y: number; width: number; height: number };

/** How far the page is wider than the window (0 when nothing scrolls sideways). */
const sidewaysOverflow = (page: Page) => sidewaysScroll(page);

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  return box!;
}

/** The whole box lies inside the window's width. */
function expectOnScreen(box: Box, width: number, what: string) {
  expect(box.x, `${what} starts left of the screen`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what} runs off the right edge`).toBeLessThanOrEqual(width);
}

describe.skipIf(!HAS_CHROMIUM)('Pricing & Plans, the Billing FAQ, the shell at 390 px, and Stripe.js', () => {
  const suite = useBrowserSuite();
  let h: Harness;
  let page: Page;
  beforeEach(() => void ({ h, page } = suite));

  const heading = (name: string, level = 1) => page.getByRole('heading', { name, exact: true, level });
  const signInAs = (org: string) => signInWithCookie(suite.context, h, suite.baseUrl, admin(org), ADMIN_PASSWORD);

  /** Billing, then one of the links at its top. */
  async function openFromBilling(link: string, title: string) {
    await page.goto('/billing');
    await heading('Billing').waitFor();
    await page.getByRole('navigation', { name: 'About billing' }).getByRole('link', { name: link, exact: true }).click();
    await heading(title).waitFor();
    await loaded(page);
  }

  it('Pricing & Plans: every plan side by side with price, users, credits and modules; the org’s plan marked; Enterprise "Contact sales"', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await signInAs(org);
    // "Pricing & Plans", as the help page calls it, is also at /pricing.
    await page.goto('/pricing');
    await heading('Pricing & Plans').waitFor();
    await openFromBilling('Pricing & Plans', 'Pricing & Plans');
    const plans = page.getByRole('list', { name: 'Plans', exact: true }).locator(':scope > li');
    const card = (name: string) => page.getByRole('listitem', { name, exact: true });
    expect(await plans.count()).toBe(4);
    expect(await card('Starter').innerText()).toMatch(/\$49\.00\s+per month[\s\S]*Users included\s+5\s[\s\S]*AI credits each billing period\s+2,000\s[\s\S]*Extra credits\s+\$0\.01 each/);
    expect(await card('Business').innerText()).toMatch(/\$799\.00\s+per month[\s\S]*100\s[\s\S]*50,000/);
    for (const module of ['Assistant', 'Reports', 'Documents', 'Inspections', 'Analytics']) {
      await card('Team').getByRole('list', { name: 'AI modules' }).getByRole('listitem').filter({ hasText: module }).waitFor();
    }
    // The org's own plan is marked, and only that one.
    await card('Team').getByText('Your current plan').waitFor();
    expect(await page.getByText('Your current plan').count()).toBe(1);
    expect(await card('Team').getAttribute('aria-current')).toBe('true');
    // Enterprise is agreed with sales: no price, credits or button to pick it.
    const enterprise = card('Enterprise');
    await enterprise.getByText('Contact sales').waitFor();
    expect(await enterprise.innerText()).not.toMatch(/\$0\.00|1,000/);
    expect(await page.getByRole('button').filter({ hasText: /Select|Choose/ }).count()).toBe(0);
    // Side by side at 1280 px: one row.
    const tops = await Promise.all((await plans.all()).map(async (plan) => (await boxOf(plan)).y));
    expect(new Set(tops).size).toBe(1);
    await shot(page, 'pricing-1280');
    // Stacked at 390 px, each whole on screen, none hidden.
    await page.setViewportSize(NARROW);
    let previousBottom = 0;
    for (const plan of await plans.all()) {
      const box = await boxOf(plan);
      expectOnScreen(box, NARROW.width, 'a plan card');
      expect(box.y).toBeGreaterThanOrEqual(previousBottom);
      previousBottom = box.y + box.height;
    }
    expect(await sidewaysOverflow(page)).toBe(0);
    await shot(page, 'pricing-390');
    // The plan is changed in Billing.
    await page.getByRole('main').getByRole('link', { name: 'Billing > Subscription' }).click();
    await heading('Billing').waitFor();
  });

  it('the Billing FAQ answers each question of the help page under its own heading, each linkable', async () => {
    const org = await createOrgAt(h, {});
    await signInAs(org);
    await openFromBilling('Billing FAQ', 'Billing FAQ');
    const questions = page.getByRole('main').getByRole('heading', { level: 2 });
    expect(await questions.allInnerTexts()).toEqual(FAQ.map(([, question]) => question));
    const contents = page.getByRole('navigation', { name: 'Questions' }).getByRole('link');
    expect(await Promise.all((await contents.all()).map((link) => link.getAttribute('href')))).toEqual(FAQ.map(([id]) => `#${id}`));
    // The help page's own facts, not new ones.
    const answer = (id: string) => page.getByRole('region', { name: FAQ.find(([anchor]) => anchor === id)![1] });
    await answer('how-credits-are-used').getByText('1 credit per 1,000 tokens, rounded up, with a minimum charge of 1 credit per request').waitFor();
    await answer('on-demand-usage').getByText('If you set the limit to 0, overage is unlimited for that period.', { exact: false }).waitFor();
    await answer('cancellation').getByText('Your data remains accessible for 30 days after cancellation to allow for export.', { exact: false }).waitFor();
    await answer('purchased-credits').getByText('You can buy from 100 up to 100,000 credits per transaction.', { exact: false }).waitFor();
    await shot(page, 'billing-faq-1280');
    await page.setViewportSize(NARROW);
    expect(await sidewaysOverflow(page)).toBe(0);
    await shot(page, 'billing-faq-390');
    // A link to one answer opens the page at that answer, below the sticky top bar.
    await page.goto('/billing/faq#cancellation');
    const target = heading('What happens when we cancel?', 2);
    await target.waitFor();
    await expect
      .poll(async () => {
        const box = await boxOf(target);
        const bar = await boxOf(page.getByRole('banner'));
        return box.y >= bar.y + bar.height && box.y + box.height <= NARROW.height;
      })
      .toBe(true);
  });

  it('at 390 px the notifications panel, the balance breakdown and the user menu fit on the screen, and the navigation needs no sideways scrolling', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org);
    expect((await purchase(h, org, 1_000)).statusCode).toBe(201);
    await signInAs(org);
    await page.setViewportSize(NARROW);
    await page.goto('/billing');
    await heading('Billing').waitFor();
    await loaded(page);
    // The whole navigation is on screen: every link visible without scrolling it sideways.
    const nav = page.getByRole('navigation', { name: 'Main' });
    const scroll = await nav.evaluate((element) => (element as unknown as { scrollWidth: number }).scrollWidth - (element as unknown as { clientWidth: number }).clientWidth);
    expect(scroll, 'the navigation scrolls sideways').toBe(0);
    for (const link of await nav.getByRole('link').all()) expectOnScreen(await boxOf(link), NARROW.width, `the link "${await link.innerText()}"`);
    await page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    await panel.getByRole('listitem').first().waitFor();
    expectOnScreen(await boxOf(panel), NARROW.width, 'the notifications panel');
    expect(await sidewaysOverflow(page)).toBe(0);
    await shot(page, 'shell-notifications-390');
    await page.keyboard.press('Escape');
    await page.getByTestId('topbar-balance').click();
    expectOnScreen(await boxOf(page.getByRole('dialog', { name: 'Credit balance breakdown' })), NARROW.width, 'the balance breakdown');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Admin', exact: true }).click();
    expectOnScreen(await boxOf(page.getByRole('menu')), NARROW.width, 'the user menu');
    await page.keyboard.press('Escape');
    // At 1280 px the panel still opens under its bell, inside the window.
    await page.setViewportSize(WIDE);
    await page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
    expectOnScreen(await boxOf(panel), WIDE.width, 'the notifications panel');
    await shot(page, 'shell-notifications-1280');
  });

  it('with the built-in provider no page fetches anything from js.stripe.com', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org);
    const stripeRequests: string[] = [];
    page.on('request', (request) => void (new URL(request.url()).hostname.endsWith('stripe.com') && stripeRequests.push(request.url())));
    // Never reach the network, whatever happens.
    await suite.context.route(/stripe\.com/, (route) => route.abort());
    await page.goto('/');
    await heading('Sign in to Loupe Factory').waitFor();
    await signInAs(org);
    // Every screen, opened as a person does (the lazily loaded ones too): the side navigation, and Billing's links.
    await page.goto('/admin/ai-credits');
    await heading('AI Credits Usage').waitFor();
    await loaded(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const title of ['AI Features', 'Reporting & Analytics', 'Profile', 'Billing'] as const) {
      await nav.getByRole('link', { name: title, exact: true }).click();
      await heading(title).waitFor();
      await loaded(page);
    }
    // Billing's "Add a card" form is the built-in one; Billing links to the two new pages, each back by its breadcrumb.
    await page.getByLabel('Card number').waitFor();
    for (const title of ['Pricing & Plans', 'Billing FAQ'] as const) {
      await page.getByRole('navigation', { name: 'About billing' }).getByRole('link', { name: title, exact: true }).click();
      await heading(title).waitFor();
      await loaded(page);
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Billing', exact: true }).click();
      await heading('Billing').waitFor();
    }
    expect(stripeRequests).toEqual([]);
  });

  it('with Stripe configured, Stripe.js is fetched when the card form is shown, and not before', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    const stripeRequests: string[] = [];
    page.on('request', (request) => void (new URL(request.url()).hostname === 'js.stripe.com' && stripeRequests.push(request.url())));
    await suite.context.route(/stripe\.com/, (route) => route.abort());
    await suite.context.route('**/v1/config', (route) =>
      route.fulfill({ json: { payments_provider: 'stripe', stripe_publishable_key: 'pk_test_loupe_browser_suite' } }),
    );
    await signInAs(org);
    await page.goto('/admin/ai-credits');
    await heading('AI Credits Usage').waitFor();
    await loaded(page);
    expect(stripeRequests).toEqual([]);
    // Billing's Payment Methods shows Stripe's card form, which needs Stripe.js.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing', exact: true }).click();
    await heading('Billing').waitFor();
    await expect.poll(() => stripeRequests.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.getByLabel('Card number').count()).toBe(0);
  });
});

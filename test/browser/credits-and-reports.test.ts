/**
 * AI Credits Usage, AI Features and Reports as an admin, a member and a finance person meet them
 * (issue 15: defects 4, 9, 10 and 11, the hidden settings, credits per module, report ranges, time
 * zones), in Chromium against the built web app. Each test failed before its change.
 */
import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, createOrgAt, org as orgView } from '../support/billing.js';
import { advance, balance, leavePlanCredits, record, setOnDemand } from '../support/metering.js';
import { expectNoAxeViolations, HAS_CHROMIUM, loaded, NARROW, shot, signInWithCookie, useBrowserSuite, WIDE, sidewaysScroll } from '../support/browser.js';

const ADMIN_PASSWORD = 'admin-password';
const MEMBER_PASSWORD = 'member-password';
const admin = (org: string) => `admin@${org}.test`;
const member = (org: string) => `maria@${org}.test`;
const DAY_MS = 86_400_000;
const NEW_YORK = 'America/New_York';

/** Waits for an assertion about the page to become true (playwright-core has no expect of its own). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });

/** "Feb 28, 2026" as a viewer in `timeZone` reads the day of an instant. */
const dayIn = (iso: string, timeZone: string) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone }).format(new Date(iso));
const utcDay = (iso: string) => dayIn(iso, 'UTC');

async function addMember(h: Harness, org: string): Promise<string> {
  const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: member(org), name: 'Maria Member', role: 'member', password: MEMBER_PASSWORD });
  expect(added.statusCode, added.body).toBe(201);
  return (added.json() as { user_id: string }).user_id;
}

describe.skipIf(!HAS_CHROMIUM)('AI credits, AI features and reports', () => {
  const suite = useBrowserSuite({ audit: true, acceptDownloads: true });
  let h: Harness;
  let baseUrl: string;
  let context: BrowserContext;
  let page: Page;
  beforeEach(() => void ({ h, baseUrl, context, page } = suite));

  const main = () => page.getByRole('main');
  const heading = (name: string) => page.getByRole('heading', { name, exact: true });
  const stopped = () => page.getByTestId('ai-stopped');
  /** The id of the element that has the keyboard focus. */
  const focusedId = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id);

  /** A fresh context (written back to the suite, which closes the last one), signed in as `email`, at `path`. */
  async function openAs(email: string, password: string, path: string, options: { viewport?: typeof WIDE | typeof NARROW; timezoneId?: string } = {}) {
    await context.close();
    context = suite.context = await suite.browser.newContext({
      viewport: options.viewport ?? WIDE,
      acceptDownloads: true,
      baseURL: baseUrl,
      ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
    });
    context.setDefaultTimeout(10_000);
    page = suite.page = await context.newPage();
    await signInWithCookie(context, h, baseUrl, email, password);
    await page.goto(path);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await loaded(page);
  }

  it('AI stopped: used up, at the on-demand limit, a module off, the subscription ended; each with the one fix, and members told whom to ask', async () => {
    // Used up, on-demand usage off, Reports switched off.
    const usedUp = await createOrgAt(h, {});
    await addMember(h, usedUp);
    await leavePlanCredits(h, usedUp, 0);
    expect((await h.api('PUT', `/v1/orgs/${usedUp}/settings/ai-features`, { modules: { reports: false } })).statusCode).toBe(200);
    expect((await balance(h, usedUp)).ai_stopped).toBe('CREDITS_EXHAUSTED');

    await openAs(admin(usedUp), ADMIN_PASSWORD, '/admin/ai-credits');
    await stopped().getByText('AI features are stopped: your organization has used all its credits.').waitFor();
    await stopped().getByRole('link', { name: 'Turn on on-demand usage' }).waitFor();
    // At 0 credits the page no longer says "Low … to avoid interruptions": AI is already stopped.
    expect(await main().getByText('to avoid interruptions').count()).toBe(0);
    await shot(page, 'ai-stopped-used-up-1280');
    await expectNoAxeViolations(page, 'AI Credits Usage with AI stopped');
    await stopped().getByRole('link', { name: 'Buy credits' }).click();
    await eventually(() => focusedId()).toBe('purchase-credits-amount');
    await page.goto('/admin/ai-features');
    await heading('AI Features').waitFor();
    await stopped().getByText('AI features are stopped: your organization has used all its credits.').waitFor();
    await main().getByText('AI is stopped in Reports for everyone until an admin turns it back on.').waitFor();
    expect(await main().getByText('AI is stopped in Assistant').count()).toBe(0);

    // The member is told to ask an admin, never to buy, and sees no admin settings.
    await openAs(member(usedUp), MEMBER_PASSWORD, '/admin/ai-credits', { viewport: NARROW });
    await stopped().getByText('AI features are stopped: your organization has used all its credits.').waitFor();
    await stopped().getByText('Ask an admin to buy credits.').waitFor();
    expect(await stopped().getByRole('link').count()).toBe(0);
    expect(await main().getByText(/^Buy credits|Buy credits or/).count()).toBe(0);
    for (const name of ['Purchase Credits', 'Auto-recharge', 'Low-balance alerts']) expect(await heading(name).count(), name).toBe(0);
    await shot(page, 'ai-stopped-member-390');

    // At the on-demand limit: raise the limit; never advised to turn on what is on.
    const capped = await createOrgAt(h, {});
    await leavePlanCredits(h, capped, 0);
    await setOnDemand(h, capped, { enabled: true, monthly_limit_credits: 100 });
    await record(h, capped, { tokens: 100_000 });
    expect((await balance(h, capped)).ai_stopped).toBe('OVERAGE_LIMIT_REACHED');
    await openAs(admin(capped), ADMIN_PASSWORD, '/admin/ai-credits');
    await stopped().getByText('AI features are stopped: your organization has reached its on-demand limit of 100 credits this month.').waitFor();
    expect(await page.getByText(/turn on on-demand/i).count()).toBe(0);
    await shot(page, 'ai-stopped-on-demand-limit-1280');
    await stopped().getByRole('link', { name: 'Raise the limit' }).click();
    await eventually(() => focusedId()).toBe('on-demand-limit');

    // The subscription ended: choose a plan; no purchase form (the server would refuse it).
    const ended = await createOrgAt(h, {});
    await addMember(h, ended);
    expect((await h.api('POST', `/v1/orgs/${ended}/subscription/cancel`)).statusCode).toBe(202);
    await advance(h, new Date((await orgView(h, ended)).subscription.current_period_end));
    expect((await balance(h, ended)).ai_stopped).toBe('SUBSCRIPTION_INACTIVE');
    await openAs(admin(ended), ADMIN_PASSWORD, '/admin/ai-credits');
    await stopped().getByText('AI features are stopped: your organization’s subscription has ended.').waitFor();
    await stopped().getByRole('link', { name: 'Choose a plan' }).waitFor();
    await heading('Purchase Credits').waitFor();
    await main().getByText('Your subscription has ended, so credits cannot be bought. Choose a plan on Billing to buy credits again.').waitFor();
    expect(await page.getByLabel('Credits to purchase', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Purchase Credits' }).count()).toBe(0);
    await shot(page, 'ai-credits-subscription-ended-1280');
    await openAs(member(ended), MEMBER_PASSWORD, '/admin/ai-credits');
    await stopped().getByText('Ask an admin to choose a plan.').waitFor();
  });

  it('in New York time: usage at local times, the forecast in words, past periods and a chosen range in the chart, its CSV in UTC, credits per module, and 390 px', async () => {
    // A period of usage, then the next period with 7 days of it: 67 credits, 10 a day rounded up.
    const org = await createOrgAt(h, {});
    const maria = await addMember(h, org);
    const first = (await orgView(h, org)).subscription;
    const record = async (key: string, at: Date, tokens: number, feature = 'assistant', user = { user_id: 'u-ana', user_name: 'Ana Ruiz' }) => {
      const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: `${org}-${key}`, ...user, feature, action: 'chat', tokens, occurred_at: at.toISOString() });
      expect(response.statusCode, response.body).toBe(201);
    };
    const firstEnd = new Date(first.current_period_end);
    await advance(h, new Date(firstEnd.getTime() - 4 * DAY_MS));
    await record('last-period', new Date(firstEnd.getTime() - 5 * DAY_MS), 40_000, 'documents');
    const now = new Date(firstEnd.getTime() + 8 * DAY_MS);
    await advance(h, now);
    // Days 1, 3, 5, 7 ago: 12 credits of Assistant each; days 2, 4, 6 ago: 6 credits of Reports each.
    for (let day = 1; day <= 7; day += 1) {
      await record(`day-${day}`, new Date(now.getTime() - day * DAY_MS + 3_600_000), day % 2 === 0 ? 6_000 : 12_000, day % 2 === 0 ? 'reports' : 'assistant');
    }
    // 03:30 UTC, the evening before in New York: 1 credit of Assistant.
    const late = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3, 30) - DAY_MS);
    await record('late', late, 500, 'assistant', { user_id: maria, user_name: 'Maria Member' });
    const summary = (await h.api('GET', `/v1/orgs/${org}/usage/summary`)).json() as {
      period: { start: string; end: string };
      totals: { credits: number };
      forecast: { daily_burn_credits: number; plan_credits_outlast_period: boolean; prepaid_credits_last_until: string | null };
    };
    expect(summary.totals.credits).toBe(67);
    expect(summary.forecast).toMatchObject({ daily_burn_credits: 10, plan_credits_outlast_period: true, prepaid_credits_last_until: null });
    const before = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();

    // The usage history in the viewer's time zone, labelled with it.
    await openAs(admin(org), ADMIN_PASSWORD, '/admin/ai-credits', { timezoneId: NEW_YORK });
    const localTime = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: NEW_YORK, timeZoneName: 'short' }).format(late);
    expect(localTime).toMatch(/ (EST|EDT)$/);
    await page.getByRole('row').filter({ hasText: 'Maria Member' }).getByText(localTime, { exact: true }).waitFor();

    // Reports: the forecast in words, never a date past the period end for plan credits.
    await page.goto('/reports');
    await heading('Reporting & Analytics').waitFor();
    await loaded(page);
    const forecast = page.getByTestId('forecast');
    await forecast.getByText("At the last 7 days' rate, your organization uses 10 credits a day.").waitFor();
    await forecast.getByText(`Your plan credits renew on ${dayIn(summary.period.end, NEW_YORK)} before they run out.`).waitFor();
    await forecast.getByText('At this rate your credits will not run out.').waitFor();
    expect(await forecast.getByText('last until').count()).toBe(0);

    // The chart follows the range: this period, the last one, days typed (UTC days, as its buckets).
    const caption = page.getByTestId('trends-caption');
    const button = (name: string) => page.getByRole('button', { name, exact: true });
    await caption.getByText(`${utcDay(summary.period.start)} – ${utcDay(before(summary.period.end))}`).waitFor();
    await caption.getByText('· 67 credits,').waitFor();
    await button('Last period').click();
    await caption.getByText(`${utcDay(first.current_period_start)} – ${utcDay(before(first.current_period_end))}`).waitFor();
    await caption.getByText('· 40 credits,').waitFor();
    expect(await button('Last period').getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'reports-last-period-1280');
    const firstDay = new Date(now.getTime() - 3 * DAY_MS).toISOString().slice(0, 10);
    const lastDay = new Date(now.getTime() - DAY_MS).toISOString().slice(0, 10);
    const typed = (await h.api('GET', `/v1/orgs/${org}/usage/trends?from=${firstDay}T00:00:00.000Z&to=${new Date(Date.parse(`${lastDay}T00:00:00.000Z`) + DAY_MS).toISOString()}`)).json();
    await page.getByLabel('From', { exact: true }).fill(firstDay);
    await page.getByLabel('To', { exact: true }).fill(lastDay);
    await caption.getByText(`${utcDay(`${firstDay}T00:00:00Z`)} – ${utcDay(`${lastDay}T00:00:00Z`)}`).waitFor();
    await caption.getByText(`· ${typed.totals.credits} credits,`).waitFor();
    expect(await button('Last period').getAttribute('aria-pressed')).toBe('false');
    await page.getByLabel('From', { exact: true }).fill(now.toISOString().slice(0, 10));
    await page.getByRole('alert').filter({ hasText: '“From” must be on or before “To”.' }).waitFor();
    await button('This period').click();
    await caption.getByText('· 67 credits,').waitFor();

    // Export data (CSV): the chart's series, bucket starts in UTC.
    const trends = (await h.api('GET', `/v1/orgs/${org}/usage/trends?group_by=feature&interval=day`)).json() as { series: { key: string; points: { start: string; credits: number }[] }[] };
    const [download] = await Promise.all([page.waitForEvent('download'), button('Export data (CSV)').click()]);
    expect(download.suggestedFilename()).toBe(`ai-credits-by-feature-${summary.period.start.slice(0, 10)}-to-${before(summary.period.end).slice(0, 10)}.csv`);
    const lines = (await readFile((await download.path())!, 'utf8')).trim().split(/\r\n/);
    expect(lines[0]).toBe('bucket_start,interval,group_by,group,name,credits,tokens,requests');
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows).toHaveLength(trends.series.reduce((sum, series) => sum + series.points.length, 0));
    expect(rows.every((row) => /^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/.test(row[0]!))).toBe(true);
    expect(rows.reduce((sum, row) => sum + Number(row[5]), 0)).toBe(67);
    expect(rows.find((row) => row[3] === 'reports' && Number(row[5]) > 0)).toEqual([expect.any(String), 'day', 'feature', 'reports', 'Reports', '6', '6000', '1']);

    // AI Features: what each module used this period, next to its switch.
    await page.goto('/admin/ai-features');
    await heading('AI Features').waitFor();
    await page.getByTestId('module-credits-assistant').getByText('49 credits this period', { exact: true }).waitFor();
    await page.getByTestId('module-credits-reports').getByText('18 credits this period', { exact: true }).waitFor();
    await page.getByTestId('module-credits-documents').getByText('No credits this period', { exact: true }).waitFor();
    await shot(page, 'ai-features-credits-1280');

    // 390 px: the usage table keeps Credits on screen and the page never scrolls sideways.
    await page.setViewportSize(NARROW);
    await page.goto('/admin/ai-credits');
    await heading('AI Credits Usage').waitFor();
    await loaded(page);
    const credits = page.getByRole('columnheader', { name: 'Credits' });
    await credits.waitFor();
    const box = (await credits.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(NARROW.width);
    await page.getByRole('row').filter({ hasText: 'Maria Member' }).getByText(localTime).waitFor();
    const sideways = () => sidewaysScroll(page);
    expect(await sideways()).toBe(0);
    await shot(page, 'usage-table-390');
    for (const path of ['/reports', '/admin/ai-features']) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await loaded(page);
      expect(await sideways(), path).toBe(0);
    }
    await shot(page, 'ai-features-credits-390');
  });

  it('low-balance alerts and auto-recharge: checked as typed with sentences by the fields, saved, kept after a reload', async () => {
    const org = await createOrgAt(h, {});
    await openAs(admin(org), ADMIN_PASSWORD, '/admin/ai-credits');
    const writes: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && /settings\/(notifications|auto-recharge)$/.test(request.url())) writes.push(request.url());
    });

    // Low-balance alerts: a wrong threshold and a wrong address, each said next to its field; nothing sent.
    await heading('Low-balance alerts').scrollIntoViewIfNeeded();
    const threshold = page.getByLabel('Alert when credits fall below');
    const emails = page.getByLabel('Alert e-mail addresses');
    expect(await threshold.inputValue()).toBe('200');
    await threshold.fill('-5');
    await emails.fill('finance@example.com\nnot-an-address');
    await page.getByRole('button', { name: 'Save alerts' }).click();
    await page.getByTestId('alert-threshold-error').getByText('Enter a whole number of credits from 0 to 1,000,000,000.').waitFor();
    await page.getByTestId('alert-emails-error').getByText('“not-an-address” is not an e-mail address. Check it, or remove it.').waitFor();
    expect(await threshold.getAttribute('aria-invalid')).toBe('true');
    expect(writes).toEqual([]);
    await threshold.fill('500');
    await emails.fill('finance@example.com\nops@example.com, finance@example.com');
    await eventually(() => page.getByTestId('alert-emails-error').count()).toBe(0);
    await page.getByRole('button', { name: 'Save alerts' }).click();
    await page.getByRole('status').filter({ hasText: 'Low-balance alerts saved.' }).waitFor();
    expect((await h.api('GET', `/v1/orgs/${org}/settings/notifications`)).json()).toEqual({ low_balance_threshold: 500, emails: ['finance@example.com', 'ops@example.com'] });

    // Auto-recharge: without a card it says where to add one; the amount keeps the purchase limits.
    await heading('Auto-recharge').scrollIntoViewIfNeeded();
    await main().getByText('Add a card in Billing > Payment Methods before turning on auto-recharge.').waitFor();
    await addCard(h, org);
    await page.reload();
    await heading('Auto-recharge').waitFor();
    await loaded(page);
    await page.getByLabel('Turn on auto-recharge').check();
    const amount = page.getByLabel('Credits to buy each time');
    await amount.fill('50');
    await page.getByRole('button', { name: 'Save auto-recharge' }).click();
    await page.getByTestId('recharge-threshold-error').getByText('Enter a whole number of credits from 0 to 100,000,000.').waitFor();
    await page.getByTestId('recharge-amount-error').getByText('Minimum purchase is 100 credits.').waitFor();
    expect(writes).toHaveLength(1);
    await expectNoAxeViolations(page, 'the credit settings with their errors');
    await shot(page, 'credit-settings-errors-1280');
    await page.getByLabel('When credits fall below', { exact: true }).fill('300');
    await amount.fill('2000');
    await page.getByTestId('auto-recharge-price').getByText('Each recharge buys 2,000 credits for $20.00, charged to Visa •••• 4242.').waitFor();
    await shot(page, 'credit-settings-1280');
    await page.getByRole('button', { name: 'Save auto-recharge' }).click();
    await page.getByRole('status').filter({ hasText: 'Auto-recharge saved and on.' }).waitFor();
    expect((await h.api('GET', `/v1/orgs/${org}/settings/auto-recharge`)).json()).toMatchObject({ enabled: true, threshold_credits: 300, amount_credits: 2_000 });

    await page.setViewportSize(NARROW);
    await page.reload();
    await heading('Low-balance alerts').waitFor();
    await loaded(page);
    await eventually(() => page.getByLabel('Alert e-mail addresses').inputValue()).toBe('finance@example.com\nops@example.com');
    expect(await page.getByLabel('Alert when credits fall below').inputValue()).toBe('500');
    expect(await page.getByLabel('Turn on auto-recharge').isChecked()).toBe(true);
    expect(await page.getByLabel('When credits fall below', { exact: true }).inputValue()).toBe('300');
    await heading('Auto-recharge').scrollIntoViewIfNeeded();
    await shot(page, 'credit-settings-390');
  });
});

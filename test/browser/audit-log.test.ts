/**
 * The audit log in the web app (issue 16, point 6): Admin Settings > Audit log shows each change as
 * a sentence with who made it, the values a setting changed from and to, filters by kind of change,
 * and downloads the same entries as CSV (itself then logged). Members get no link and no log. In
 * Chromium against the built web app.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createOrgAt } from '../support/billing.js';
import { HAS_CHROMIUM, loaded, NARROW, shot, signInWithCookie, useBrowserSuite, WIDE, sidewaysScroll } from '../support/browser.js';
import { as, signIn } from '../support/sessions.js';

/** Waits for an assertion about the page to become true (playwright-core has no expect of its own). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });

describe.skipIf(!HAS_CHROMIUM)('Audit log', () => {
  const suite = useBrowserSuite();
  let page: Page;
  beforeEach(() => void ({ page } = suite));

  const rows = () => page.getByRole('main').locator('table.audit-table tbody tr');
  const rowTexts = () => rows().allInnerTexts();
  const sideways = () => sidewaysScroll(page);

  it('shows each change in words, by whom, with the values a setting changed; filters by kind; exports the same as CSV', async () => {
    const h = suite.h;
    const org = await createOrgAt(h, { plan: 'team' });
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    expect((await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: true, monthly_limit_credits: 500 }, as(admin))).statusCode).toBe(200);
    expect((await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'promotional', credits: 250, reason: 'Launch week' })).statusCode).toBe(201);
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `cy@${org}.test`, name: 'Cy Park', role: 'member', password: 'member-password' });
    const cy = (added.json() as { user_id: string }).user_id;
    expect((await h.api('PATCH', `/v1/orgs/${org}/members/${cy}`, { role: 'admin' }, as(admin))).statusCode).toBe(200);

    await signInWithCookie(suite.context, h, suite.baseUrl, `admin@${org}.test`, 'admin-password');
    await page.setViewportSize(WIDE);
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await loaded(page);
    await eventually(async () => (await rowTexts()).length).toBeGreaterThanOrEqual(5);

    const texts = await rowTexts();
    const find = (sentence: string) => texts.find((text) => text.includes(sentence)) ?? '';
    expect(find('Made Cy Park an admin')).toContain('Admin');
    expect(find('Added Cy Park as a member')).toMatch(/\(API key\)/);
    expect(find('Granted 250 credits of promotional credit: “Launch week”')).toMatch(/\(API key\)/);
    const setting = find('Changed on-demand usage');
    expect(setting).toContain('On-demand usage: off → on');
    expect(setting).toContain('On-demand monthly limit: no limit → 500 credits');
    expect(find('Signed in')).toContain('Admin');
    // No code or field name on screen.
    expect(texts.join('\n')).not.toMatch(/settings\.updated|on_demand_enabled|member\.role_changed|usr_/);
    await shot(page, 'audit-log-1280');

    // Only the kind of change chosen.
    await page.getByLabel('Kind of change').selectOption({ label: 'Members and roles' });
    await eventually(async () => (await rowTexts()).map((text) => /Made Cy Park an admin|Added Cy Park as a member/.test(text))).toEqual([true, true]);
    await page.getByLabel('Kind of change').selectOption({ label: 'All changes' });

    // The CSV link downloads the same entries, and the download is itself logged.
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    const csv = await page.request.get(href!);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('id,at,actor_kind,actor_id,actor_name,action,target,before,after,ip,user_agent');
    expect(lines.some((line) => line.includes(',member.role_changed,'))).toBe(true);
    await page.reload();
    await eventually(async () => (await rowTexts())[0]).toContain('Downloaded the audit log as a spreadsheet (CSV)');

    await page.setViewportSize(NARROW);
    await eventually(sideways).toBe(0);
    await shot(page, 'audit-log-390');
  });

  it('is for admins: a member has no link to it and is told so on the page', async () => {
    const h = suite.h;
    const org = await createOrgAt(h, { plan: 'team' });
    await h.api('POST', `/v1/orgs/${org}/members`, { email: `dee@${org}.test`, name: 'Dee', role: 'member', password: 'member-password' });
    await signInWithCookie(suite.context, h, suite.baseUrl, `dee@${org}.test`, 'member-password');
    await page.goto('/admin/audit-log');
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByText('Only admins can read the audit log.').waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await rows().count()).toBe(0);
  });
});

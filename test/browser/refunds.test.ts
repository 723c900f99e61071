/**
 * Refunds in the web app (issue 17, point 4): billing history lists the credit note, which opens its
 * own page (the same words and figures as its PDF) linking the invoice it credits, and that invoice
 * lists its refunds. In Chromium against the built web app.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addCard, CARDS, createOrgAt, purchase } from '../support/billing.js';
import { expectNoAxeViolations, HAS_CHROMIUM, loaded, NARROW, shot, signInWithCookie, useBrowserSuite, WIDE, sidewaysScroll } from '../support/browser.js';

describe.skipIf(!HAS_CHROMIUM)('Refunds and credit notes', () => {
  const suite = useBrowserSuite();
  let page: Page;
  beforeEach(() => void ({ page } = suite));

  const sideways = () => sidewaysScroll(page);

  it('billing history lists the credit note; its page shows what was taken back and refunded, and links the invoice, which lists its refunds', async () => {
    const h = suite.h;
    const org = await createOrgAt(h, { plan: 'starter', country: 'DE' });
    await addCard(h, org);
    const bought = (await purchase(h, org, 1_000)).json() as { id: string; invoice_id: string };
    const refunded = await h.api('POST', `/v1/orgs/${org}/credit-purchases/${bought.id}/refund`, { credits: 250, reason: 'Duplicate order' });
    expect(refunded.statusCode, refunded.body).toBe(201);
    const { credit_note_number: number } = refunded.json() as { credit_note_number: string };

    await signInWithCookie(suite.context, h, suite.baseUrl, `admin@${org}.test`, 'admin-password');
    await page.goto('/billing');
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    await loaded(page);
    const entry = page.locator('ul.history li').filter({ hasText: 'Refund of 250 AI credits' });
    await expect.poll(() => entry.innerText(), { timeout: 10_000 }).toContain(`Credit note ${number}`);
    expect(await entry.innerText()).toContain('Refunded');
    expect(await entry.innerText()).toContain('$2.98');

    await entry.getByRole('link', { name: `Credit note ${number}` }).click();
    await page.getByRole('heading', { name: `Credit note ${number}`, level: 1 }).waitFor();
    const text = await page.getByRole('main').innerText();
    // 250 of 1,000 credits bought at 1 ¢ in Germany: $2.50 + 19% VAT ($0.475 → $0.48) = $2.98.
    for (const expected of ['Refunded to Visa •••• 4242', 'Duplicate order', 'Unused AI credits taken back', '250', '$2.50', 'VAT (Germany) at 19%', '$0.48', 'Total refunded', '$2.98']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toMatch(/credit_note|refund_id|cn_/);
    const pdf = await page.request.get((await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href'))!);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await shot(page, 'credit-note-1280');
    await page.setViewportSize(NARROW);
    await expect.poll(sideways).toBe(0);
    await shot(page, 'credit-note-390');
    await page.setViewportSize(WIDE);

    await page.getByRole('link', { name: /^invoice LB-/ }).click();
    await page.getByRole('heading', { name: /^Invoice LB-/, level: 1 }).waitFor();
    const refunds = page.locator('section', { has: page.getByRole('heading', { name: 'Refunds' }) });
    await expect.poll(() => refunds.innerText()).toContain(`Credit note ${number}`);
    expect(await refunds.innerText()).toContain('250 credits taken back · $2.98 refunded');
  });

  it('a disputed purchase: the balance says its credits are frozen, billing history and its invoice say it is disputed; once lost, the credit note is listed', async () => {
    const h = suite.h;
    const org = await createOrgAt(h, { plan: 'starter', country: 'DE' });
    await addCard(h, org, CARDS.disputed);
    const bought = (await purchase(h, org, 1_000)).json() as { id: string; invoice_id: string };

    await signInWithCookie(suite.context, h, suite.baseUrl, `admin@${org}.test`, 'admin-password');
    await page.goto('/admin/ai-credits');
    await page.getByRole('heading', { name: 'AI Credits Usage', level: 1 }).waitFor();
    const frozen = page.getByTestId('balance-frozen');
    await expect.poll(() => frozen.innerText(), { timeout: 10_000 }).toContain('1,000 purchased credits are frozen because a card payment for them is disputed');
    expect(await page.getByRole('main').innerText()).toContain('plus 1,000 frozen');
    await expectNoAxeViolations(page, 'AI Credits Usage with frozen credits');
    await shot(page, 'balance-frozen-1280');

    await page.goto('/billing');
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    await loaded(page);
    const entry = page.locator('ul.history li').filter({ hasText: '1,000 AI credits' });
    await expect.poll(() => entry.first().innerText(), { timeout: 10_000 }).toContain('Disputed');

    await page.goto(`/billing/invoices/${bought.invoice_id}`);
    await page.getByRole('heading', { name: /^Invoice LB-/, level: 1 }).waitFor();
    await expect.poll(() => page.getByTestId('invoice-refund-status').innerText()).toContain('The cardholder disputed this charge with their bank.');
    await expectNoAxeViolations(page, 'a disputed invoice');
    await shot(page, 'invoice-disputed-1280');

    const [dispute] = ((await h.api('GET', `/v1/orgs/${org}/disputes`)).json() as { items: { id: string }[] }).items;
    expect((await h.api('POST', `/v1/orgs/${org}/disputes/${dispute!.id}/decide`, { outcome: 'lost' })).statusCode).toBe(200);
    await page.reload();
    await expect.poll(() => page.getByTestId('invoice-refund-status').innerText()).toBe('This purchase was refunded in full.');
    const refunds = page.locator('section', { has: page.getByRole('heading', { name: 'Refunds' }) });
    expect(await refunds.innerText()).toContain('1,000 credits taken back · $11.90 refunded');
    await page.goto('/billing');
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    await expect.poll(() => page.locator('ul.history li').filter({ hasText: 'Card dispute lost: 1,000 AI credits' }).innerText(), { timeout: 10_000 }).toContain('$11.90');
  });
});

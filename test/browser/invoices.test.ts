/**
 * An invoice says the same in the web app as in its PDF (issue 15, defect 13): the same title, status,
 * dates, country, tax rows, total label ("Total due" while open, "Total paid" once paid) and receipt
 * ("Paid with Visa •••• 4242 on …"). And at 390 px the invoice list still shows each invoice's total
 * and status (defect 11). The PDF is read back with pdftotext (poppler-utils).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, CARDS, createOrgAt, invoices, purchase, type InvoiceView } from '../support/billing.js';
import { advance } from '../support/metering.js';
import { HAS_CHROMIUM, NARROW, shot, signInWithCookie, useBrowserSuite, WIDE } from '../support/browser.js';

const run = promisify(execFile);
const ADMIN_PASSWORD = 'admin-password';

/** An invoice as the API answers it, with what the list helper's type leaves out. */
type Invoice = InvoiceView & { issued_at: string; paid_at: string | null; paid_with: { brand: string; last4: string } | null };

/** A label and its value, printed side by side (a fact of the summary, or a row under the charges). */
type Row = readonly [label: string, value: string];

/** What the invoice page shows, read off the screen. */
interface WebInvoice {
  title: string;
  badge: string;
  facts: Row[];
  sums: Row[];
  addresses: string[][];
  receipt: string | null;
}

/** "Dec 1, 2026" for the UTC day of `iso`, worked out here rather than by the code under test. */
const utcDay = (iso: string) => new Date(iso).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The PDF's text has the label and its value on one line (pdftotext -layout keeps a row a line). */
function expectPdfRow(pdf: string, [label, value]: Row): void {
  expect(pdf).toMatch(new RegExp(`${escape(label)} +${escape(value)}`));
}

describe.skipIf(!HAS_CHROMIUM)('invoices in the web app and in their PDF', () => {
  const suite = useBrowserSuite();
  let h: Harness;
  let page: Page;
  let org: string;
  /** Team's first period invoice, still open: its card fails when charged (US, no state: no tax). */
  let open: Invoice;
  /** A credit purchase two days later, paid with a working Visa, late in the UTC day. */
  let paid: Invoice;
  let pdfDirectory: string;

  beforeAll(async () => {
    h = suite.h;
    pdfDirectory = await mkdtemp(path.join(tmpdir(), 'loupe-invoice-pdf-'));
    org = await createOrgAt(h, { plan: 'team' });
    await addCard(h, org, CARDS.failsWhenCharged);
    const visa = await addCard(h, org, CARDS.ok);
    await advance(h, { seconds: 2 * 86_400 + 13 * 3_600 + 1_800 });
    expect((await purchase(h, org, 1_000, { payment_method_id: visa.id })).statusCode).toBe(201);
    const all = (await invoices(h, org)) as Invoice[];
    open = all.find((invoice) => invoice.kind === 'period')!;
    paid = all.find((invoice) => invoice.kind === 'credit_purchase')!;
    expect([open.status, paid.status, paid.paid_with]).toEqual(['open', 'paid', { brand: 'visa', last4: '4242' }]);
  });

  beforeEach(async () => {
    page = suite.page;
    await signInWithCookie(suite.context, h, suite.baseUrl, `admin@${org}.test`, ADMIN_PASSWORD);
  });

  /** The invoice's PDF, as the app serves it, as text. */
  async function pdfText(invoice: InvoiceView): Promise<string> {
    const response = await h.api('GET', `/v1/orgs/${org}/invoices/${invoice.id}/pdf`);
    expect(response.statusCode).toBe(200);
    const file = path.join(pdfDirectory, `${invoice.number}.pdf`);
    await writeFile(file, response.rawPayload);
    return (await run('pdftotext', ['-layout', file, '-'])).stdout;
  }

  async function openInvoicePage(invoice: InvoiceView): Promise<WebInvoice> {
    await page.goto(`/billing/invoices/${invoice.id}`);
    const title = (await page.getByRole('heading', { level: 1, name: `Invoice ${invoice.number}` }).textContent())!;
    const pairs = async (labels: string, values: string) => {
      const [left, right] = await Promise.all([page.locator(labels).allTextContents(), page.locator(values).allTextContents()]);
      expect(left.length).toBe(right.length);
      return left.map((label, index): Row => [label, right[index]!]);
    };
    const receipt = page.getByTestId('invoice-receipt');
    return {
      title,
      badge: (await page.locator('.invoice-head .tag').textContent())!,
      facts: await pairs('dl.facts dt', 'dl.facts dd'),
      sums: await pairs('table.invoice-lines tfoot th', 'table.invoice-lines tfoot td'),
      addresses: (await page.locator('.addresses address').allInnerTexts()).map((text) => text.split('\n')),
      receipt: (await receipt.count()) > 0 ? await receipt.textContent() : null,
    };
  }

  /** Every string the web page shows for the invoice is in its PDF, row by row. */
  function expectSameAsPdf(web: WebInvoice, pdf: string): void {
    for (const text of [web.title, web.badge, ...web.addresses.flat()]) expect(pdf).toContain(text);
    for (const row of [...web.facts, ...web.sums]) expectPdfRow(pdf, row);
    if (web.receipt !== null) expect(pdf).toContain(web.receipt);
  }

  it('an open invoice: "Due", "Total due", a Tax row of $0.00 and "United States", the same on the page and in the PDF', async () => {
    const web = await openInvoicePage(open);
    const pdf = await pdfText(open);
    expectSameAsPdf(web, pdf);
    expect(web.badge).toBe('Due');
    expect(web.facts).toContainEqual(['Status', 'Due']);
    expect(web.facts).toContainEqual(['Issue date', utcDay(open.issued_at)]);
    expect(web.facts).toContainEqual(['Total due', '$199.00']);
    expect(web.sums).toEqual([['Subtotal', '$199.00'], ['Tax', '$0.00'], ['Total due', '$199.00']]);
    expect(web.addresses[1]).toEqual([`Billing ${org}`, 'United States']);
    expect(web.receipt).toBeNull();
    for (const wrong of ['Total charged', 'Total paid', 'Paid with', 'Open (unpaid)']) {
      expect(pdf).not.toContain(wrong);
      expect(await page.getByText(wrong).count()).toBe(0);
    }
    await shot(page, 'invoice-open-1280');
  });

  it('a paid invoice: "Paid on", "Total paid" and the receipt with the card, the same on the page and in the PDF, on the UTC day', async () => {
    // A viewer at UTC+14 (already the next day): the dates are still the document's.
    const context = await suite.browser.newContext({ viewport: WIDE, baseURL: suite.baseUrl, timezoneId: 'Pacific/Kiritimati' });
    context.setDefaultTimeout(10_000);
    await signInWithCookie(context, h, suite.baseUrl, `admin@${org}.test`, ADMIN_PASSWORD);
    page = await context.newPage();
    try {
      const paidOn = utcDay(paid.paid_at!);
      expect(paidOn).not.toBe(new Date(paid.paid_at!).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'Pacific/Kiritimati' }));
      const web = await openInvoicePage(paid);
      const pdf = await pdfText(paid);
      expectSameAsPdf(web, pdf);
      expect(web.badge).toBe('Paid');
      expect(web.facts).toContainEqual(['Status', `Paid on ${paidOn}`]);
      expect(web.facts).toContainEqual(['Total paid', '$10.00']);
      expect(web.sums.at(-1)).toEqual(['Total paid', '$10.00']);
      expect(web.sums).toContainEqual(['Tax', '$0.00']);
      expect(web.receipt).toBe(`Paid with Visa •••• 4242 on ${paidOn}`);
      expect(pdf).toContain(`Paid with Visa •••• 4242 on ${paidOn}`);
      expect(pdf).not.toContain('Total due');
      await shot(page, 'invoice-paid-1280');
      await page.setViewportSize(NARROW);
      await page.getByTestId('invoice-receipt').waitFor();
      await shot(page, 'invoice-paid-390');
    } finally {
      await context.close();
    }
  });

  it('at 390 px each invoice in the list shows its total and status on screen, and a tap on the row opens it', async () => {
    await page.setViewportSize(NARROW);
    await page.goto('/billing');
    const rows = page.locator('table.invoices tbody tr');
    await rows.nth(1).waitFor();
    const expected = [
      { number: paid.number, total: '$10.00', status: 'Paid', receipt: `${utcDay(paid.paid_at!)} · Visa •••• 4242` },
      { number: open.number, total: '$199.00', status: 'Due', receipt: null },
    ];
    for (const [index, invoice] of expected.entries()) {
      const row = rows.nth(index);
      await row.getByRole('link', { name: invoice.number, exact: true }).waitFor();
      // The fifth and sixth cells: Total, and the Status with its tag.
      for (const [element, text] of [[row.getByRole('cell').nth(4), invoice.total], [row.getByRole('cell').nth(5).locator('.tag'), invoice.status]] as const) {
        expect(await element.textContent()).toBe(text);
        const box = (await element.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, `${text} of ${invoice.number} is off the screen`).toBeLessThanOrEqual(NARROW.width);
      }
      expect(await row.locator('.receipt').count()).toBe(invoice.receipt === null ? 0 : 1);
      if (invoice.receipt !== null) expect(await row.locator('.receipt').textContent()).toBe(invoice.receipt);
    }
    // Nothing scrolls sideways: the table fits the screen.
    const table = (await page.locator('table.invoices').boundingBox())!;
    expect(table.x + table.width).toBeLessThanOrEqual(NARROW.width);
    expect(await page.getByRole('list', { name: 'Billing history' }).getByText('Open (unpaid)').count()).toBe(0);
    await shot(page, 'invoice-list-390');
    await rows.nth(1).getByRole('cell').nth(4).click();
    await page.getByRole('heading', { level: 1, name: `Invoice ${open.number}` }).waitFor();
    await shot(page, 'invoice-open-390');
    await page.setViewportSize(WIDE);
    await page.goto('/billing');
    await rows.nth(1).waitFor();
    await shot(page, 'invoice-list-1280');
  });
});

import { execFile } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { invoiceTotals, lineAmount, type InvoiceDocument, type InvoiceLine, type TaxLine } from '../domain/invoices.js';
import { formatPeriod, formatRate, renderInvoicePdf, toWinAnsi } from './render-invoice-pdf.js';

const ARTIFACTS = path.resolve('test-artifacts/invoices');
const run = promisify(execFile);

const SELLER = {
  name: 'Loupe Factory, Inc.', line1: '548 Market St', city: 'San Francisco', region: 'CA', postal_code: '94104', country: 'US',
};
const TEAM_PLAN = { id: 'plan_team', name: 'Team', base_price_cents: 19_900 };

type InvoiceFields = Omit<InvoiceDocument, 'subtotal_cents' | 'tax_cents' | 'total_cents' | 'tax'> & { tax: TaxLine[] };

function invoiceOf(fields: InvoiceFields): InvoiceDocument {
  return { ...fields, ...invoiceTotals(fields.lines, fields.tax) };
}

function line(kind: InvoiceLine['kind'], description: string, quantity: number, unitPriceCents: number): InvoiceLine {
  return { kind, description, quantity, unit_price_cents: unitPriceCents, amount_cents: lineAmount(quantity, unitPriceCents) };
}

const PERIOD_LINES: InvoiceLine[] = [
  line('subscription', 'Team plan, 1 Feb 2026 – 28 Feb 2026', 1, 19_900),
  line('overage', 'AI credits overage, 1 Jan 2026 – 31 Jan 2026', 1_000, 1),
  {
    kind: 'proration', description: 'Upgrade from Starter to Team for the rest of January (16 of 31 days)',
    quantity: 1, unit_price_cents: 5_135, amount_cents: 5_135,
  },
];
const PERIOD_SUBTOTAL_CENTS = 19_900 + 1_000 + 5_135;
const NYC_TAX_CENTS = Math.round((PERIOD_SUBTOTAL_CENTS * 887.5) / 10_000);

const periodInvoice = invoiceOf({
  id: 'inv_01', number: 'INV-2026-000042', kind: 'period', status: 'paid', currency: 'USD',
  issued_at: '2026-02-01T00:00:05.000Z', paid_at: '2026-02-01T00:00:09.000Z',
  period_start: '2026-01-01T00:00:00.000Z', period_end: '2026-02-01T00:00:00.000Z',
  plan: TEAM_PLAN, seller: SELLER,
  billing_address: {
    name: 'Hudson Analytics LLC', line1: '200 Varick St', city: 'New York', region: 'NY', postal_code: '10014', country: 'US',
  },
  lines: PERIOD_LINES,
  tax: [{ name: 'NY sales tax', rate_bps: 887.5, amount_cents: NYC_TAX_CENTS }],
  tax_note: null,
  paid_with: { brand: 'visa', last4: '4242' },
});

const REVERSE_CHARGE = 'Reverse charge: VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC)';
const purchaseInvoice = invoiceOf({
  id: 'inv_02', number: 'INV-2026-000043', kind: 'credit_purchase', status: 'open', currency: 'USD',
  issued_at: '2026-01-20T14:30:00.000Z', paid_at: null,
  period_start: '2026-01-01T00:00:00.000Z', period_end: '2026-02-01T00:00:00.000Z',
  plan: TEAM_PLAN, seller: SELLER,
  billing_address: {
    name: 'Bergmann Logistik GmbH', line1: 'Friedrichstraße 68', city: 'Berlin', postal_code: '10117', country: 'DE',
    vat_id: 'DE123456789',
  },
  lines: [line('credit_purchase', 'AI credits pack', 50_000, 1)],
  tax: [{ name: 'VAT', rate_bps: 0, amount_cents: 0 }],
  tax_note: REVERSE_CHARGE,
  paid_with: null,
});

async function requirePoppler(): Promise<void> {
  try {
    await run('pdftotext', ['-v']);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing) throw new Error('pdftotext is not installed: install poppler-utils (apt-get install poppler-utils) to check invoice PDFs');
  }
}

async function renderToFiles(name: string, invoice: InvoiceDocument) {
  const pdf = await renderInvoicePdf(invoice);
  const pdfPath = path.join(ARTIFACTS, `${name}.pdf`);
  await writeFile(pdfPath, pdf);
  const { stdout: text } = await run('pdftotext', ['-layout', pdfPath, '-']);
  await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', pdfPath, path.join(ARTIFACTS, name)]);
  const png = await stat(path.join(ARTIFACTS, `${name}.png`));
  return { pdf, text, pngBytes: png.size };
}

describe('invoice PDF', () => {
  beforeAll(async () => {
    await requirePoppler();
    await mkdir(ARTIFACTS, { recursive: true });
  });

  it('a paid period invoice shows number, period, plan, every line, the tax rate and the total charged', async () => {
    const { pdf, text, pngBytes } = await renderToFiles('period-invoice', periodInvoice);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    for (const expected of [
      'Invoice', 'INV-2026-000042', 'PAID', 'Invoice type', 'Subscription period',
      'Issue date', '1 Feb 2026', 'Billing period', '1 Jan 2026 – 31 Jan 2026',
      'Plan: Team — $199.00 per period', 'Loupe Factory, Inc.', 'Hudson Analytics LLC', 'New York, NY 10014',
      'Team plan, 1 Feb 2026 – 28 Feb 2026', '$199.00', 'AI credits overage', '1,000', '$0.01', '$10.00',
      'Upgrade from Starter to Team', '$51.35', 'Subtotal', '$260.35', 'NY sales tax (8.875%)', '$23.11',
      'Total charged', '$283.46', 'Page 1 of 1',
    ]) expect(text).toContain(expected);
    expect(pngBytes).toBeGreaterThan(5 * 1024);
  });

  it('an open credit-purchase invoice to an EU business shows the VAT ID, 0% VAT and the reverse-charge note', async () => {
    const { text, pngBytes } = await renderToFiles('credit-purchase-invoice', purchaseInvoice);
    for (const expected of [
      'INV-2026-000043', 'OPEN', 'Credit purchase', '20 Jan 2026', '1 Jan 2026 – 31 Jan 2026', 'Plan: Team — $199.00 per period',
      'Bergmann Logistik GmbH', 'Germany', 'Berlin 10117', 'VAT ID: DE123456789', 'AI credits pack', '50,000', '$500.00',
      'VAT (0%)', '$0.00', 'Reverse charge: VAT to be accounted for by the recipient', 'Total due',
    ]) expect(text).toContain(expected);
    expect(text).not.toContain('Total charged');
    expect(pngBytes).toBeGreaterThan(5 * 1024);
  });

  it('the same invoice renders to the same bytes', async () => {
    const [first, second] = await Promise.all([renderInvoicePdf(periodInvoice), renderInvoicePdf(periodInvoice)]);
    expect(first.equals(second)).toBe(true);
  });

  it('many lines flow onto a second page with the table header repeated', async () => {
    const lines = Array.from({ length: 40 }, (_, index) => line('adjustment', `Adjustment ${index + 1}`, 1, 100));
    const { text } = await renderToFiles('long-invoice', invoiceOf({ ...periodInvoice, lines, tax: [] }));
    expect(text).toContain('Adjustment 40');
    expect(text).toContain('Page 2 of 2');
    expect(text).toContain('Invoice INV-2026-000042 (continued)');
    expect(text.match(/Description/g)?.length).toBe(2);
  });

  it('names outside the built-in font are folded to readable Latin, not garbled', async () => {
    const billing_address = { name: 'Łódź Spółka z o.o.', city: 'Kraków', country: 'PL', vat_id: 'PL1234567890' };
    const { text } = await renderToFiles('polish-customer-invoice', { ...purchaseInvoice, billing_address });
    expect(text).toContain('Lódz Spólka z o.o.');
    expect(text).toContain('Kraków');
    expect(text).toContain('Poland');
  });

  it('an invoice whose total is not lines + tax is refused', async () => {
    await expect(renderInvoicePdf({ ...periodInvoice, total_cents: periodInvoice.total_cents + 1 })).rejects.toThrow(/total/);
  });
});

describe('invoice formatting', () => {
  it('basis points print as a percentage', () => {
    expect([825, 887.5, 2_000, 0].map(formatRate)).toEqual(['8.25%', '8.875%', '20%', '0%']);
  });

  it('text outside WinAnsi is folded: Latin-1, € and dashes stay, other marks are dropped, the rest is "?"', () => {
    expect(toWinAnsi('Müller & Söhne — 5 €')).toBe('Müller & Söhne — 5 €');
    expect(toWinAnsi('Łódź, Dvořák, Ţară')).toBe('Lódz, Dvorák, Tara');
    expect(toWinAnsi('東京')).toBe('??');
  });

  it('the period prints its last day, not the next period start', () => {
    expect(formatPeriod('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')).toBe('1 Jan 2026 – 31 Jan 2026');
    expect(formatPeriod('2026-01-31T09:00:00Z', '2026-02-28T09:00:00Z')).toBe('31 Jan 2026 – 28 Feb 2026');
  });
});

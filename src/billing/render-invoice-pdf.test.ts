import { execFile } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { invoiceTotals, lineAmount, type InvoiceDocument, type InvoiceLine, type TaxLine } from '../domain/invoices.js';
import { presentInvoice, type LabelledValue } from '../domain/invoice-presentation.js';
import { EU_REVERSE_CHARGE_NOTE } from '../domain/tax.js';
import { renderInvoicePdf, toWinAnsi } from './render-invoice-pdf.js';

const ARTIFACTS = path.resolve('test-artifacts/invoices');
/** Page 1 of the paid and the open example, for the README beside the web app's invoice page. */
const SCREENSHOTS = path.resolve('docs/screenshots');
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
  line('subscription', 'Team plan, Feb 1, 2026 – Feb 28, 2026', 1, 19_900),
  line('overage', 'On-demand overage, Jan 1, 2026 – Jan 31, 2026', 1_000, 1),
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
  tax: [],
  tax_note: EU_REVERSE_CHARGE_NOTE,
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

async function renderToFiles(name: string, invoice: InvoiceDocument, screenshot?: string) {
  const pdf = await renderInvoicePdf(invoice);
  const pdfPath = path.join(ARTIFACTS, `${name}.pdf`);
  await writeFile(pdfPath, pdf);
  const { stdout: text } = await run('pdftotext', ['-layout', pdfPath, '-']);
  const png = screenshot === undefined ? path.join(ARTIFACTS, name) : path.join(SCREENSHOTS, screenshot);
  await run('pdftoppm', ['-png', '-r', screenshot === undefined ? '60' : '80', '-f', '1', '-l', '1', '-singlefile', pdfPath, png]);
  return { pdf, text, pngBytes: (await stat(`${png}.png`)).size };
}

/** The US customer of a state without SaaS tax: no tax line and no note, open (no card yet). */
const untaxedOpenInvoice = invoiceOf({
  ...periodInvoice,
  id: 'inv_03', number: 'LB-000044', status: 'open', paid_at: null, paid_with: null,
  billing_address: { name: 'Billing acme', region: 'CA', country: 'US' },
  lines: [line('subscription', 'Team plan', 1, 19_900)],
  tax: [],
});

/** The PDF's text has these cells on one line, in this order (pdftotext -layout keeps rows). */
function expectCellsInRow(text: string, cells: readonly string[]): void {
  const escape = (cell: string) => cell.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(text).toMatch(new RegExp(cells.map(escape).join(' +')));
}

function expectRow(text: string, { label, value }: LabelledValue): void {
  expectCellsInRow(text, [label, value]);
}

/** Every string the presentation gives for the invoice (what the web page shows) is in the PDF. */
function expectPresentation(text: string, invoice: InvoiceDocument): void {
  const view = presentInvoice(invoice);
  for (const expected of [view.title, view.badge, ...view.seller.lines, ...view.billTo.lines, ...Object.values(view.columns)]) {
    expect(text).toContain(expected);
  }
  for (const fact of view.facts) expectRow(text, fact);
  for (const row of view.lines) {
    expect(text).toContain(row.description.slice(0, 20));
    expectCellsInRow(text, [row.quantity, row.unitPrice, row.amount]);
  }
  for (const row of [view.subtotal, ...view.taxRows, view.total]) expectRow(text, row);
  if (view.receipt !== null) expect(text).toContain(view.receipt);
  if (view.taxNote !== null) expect(text.replace(/\s+/g, ' ')).toContain(view.taxNote);
}

describe('invoice PDF', () => {
  beforeAll(async () => {
    await requirePoppler();
    await mkdir(ARTIFACTS, { recursive: true });
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  it('a paid period invoice: its lines, the tax rate, "Total paid" and the card that paid it', async () => {
    const { pdf, text, pngBytes } = await renderToFiles('period-invoice', periodInvoice, 'invoice-pdf-paid');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expectPresentation(text, periodInvoice);
    for (const expected of [
      'Invoice INV-2026-000042', 'Paid', 'Issue date', 'Feb 1, 2026', 'Billing period', 'Jan 1, 2026 – Jan 31, 2026',
      'Status', 'Paid on Feb 1, 2026', 'Team — $199.00 per billing period', 'Loupe Factory, Inc.', 'Hudson Analytics LLC',
      'New York, NY 10014', 'United States', 'Team plan, Feb 1, 2026 – Feb 28, 2026', '$199.00', 'On-demand overage', '1,000',
      '$0.01', '$10.00', 'Upgrade from Starter to Team', '$51.35', 'Subtotal', '$260.35', 'NY sales tax at 8.875%', '$23.11',
      'Paid with Visa •••• 4242 on Feb 1, 2026', 'Page 1 of 1',
    ]) expect(text).toContain(expected);
    expectRow(text, { label: 'Total paid', value: '$283.46' });
    expect(text).not.toContain('Total due');
    expect(text).not.toContain('Total charged');
    expect(pngBytes).toBeGreaterThan(5 * 1024);
  });

  it('an open invoice to an EU business: "Total due", a Tax row of $0.00, the VAT ID and the reverse-charge note', async () => {
    const { text, pngBytes } = await renderToFiles('credit-purchase-invoice', purchaseInvoice, 'invoice-pdf-open');
    expectPresentation(text, purchaseInvoice);
    for (const expected of [
      'Invoice INV-2026-000043', 'Due', 'Credit purchase', 'Jan 20, 2026', 'Jan 1, 2026 – Jan 31, 2026',
      'Bergmann Logistik GmbH', 'Germany', 'Berlin 10117', 'VAT ID: DE123456789', 'AI credits pack', '50,000', '$500.00',
      'Reverse charge: VAT to be accounted for by the recipient',
    ]) expect(text).toContain(expected);
    expectRow(text, { label: 'Tax', value: '$0.00' });
    expectRow(text, { label: 'Total due', value: '$500.00' });
    expect(text).not.toContain('Total paid');
    expect(text).not.toContain('Paid with');
    expect(text).not.toMatch(/\bDE\n/);
    expect(pngBytes).toBeGreaterThan(5 * 1024);
  });

  it('an invoice without any tax still prints a Tax row of $0.00, and the country in full', async () => {
    const { text } = await renderToFiles('untaxed-open-invoice', untaxedOpenInvoice);
    expectPresentation(text, untaxedOpenInvoice);
    expectRow(text, { label: 'Tax', value: '$0.00' });
    expectRow(text, { label: 'Total due', value: '$199.00' });
    expect(text).toContain('United States');
    expect(text).not.toMatch(/^\s*US\s*$/m);
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

describe('invoice text for the built-in font', () => {
  it('text outside WinAnsi is folded: Latin-1, €, dashes and the card dots stay, other marks are dropped, the rest is "?"', () => {
    expect(toWinAnsi('Müller & Söhne — 5 €')).toBe('Müller & Söhne — 5 €');
    expect(toWinAnsi('Visa •••• 4242')).toBe('Visa •••• 4242');
    expect(toWinAnsi('Łódź, Dvořák, Ţară')).toBe('Lódz, Dvorák, Tara');
    expect(toWinAnsi('東京')).toBe('??');
  });
});

import { describe, expect, it } from 'vitest';
import { EU_REVERSE_CHARGE_NOTE } from './tax.js';
import {
  addressLines,
  cardBrandName,
  countryName,
  formatInvoiceDate,
  formatInvoicePeriod,
  formatTaxRate,
  presentInvoice,
  presentInvoiceSummary,
  type InvoiceFacts,
} from './invoice-presentation.js';

const SELLER = { name: 'Loupe Factory, Inc.', line1: '548 Market St', city: 'San Francisco', region: 'CA', postal_code: '94104', country: 'US' };

/** A Team period invoice to a New York customer: $199 plan + $10 overage + 8.875% tax = $227.55. */
const PAID: InvoiceFacts = {
  number: 'LB-000123',
  kind: 'period',
  status: 'paid',
  currency: 'USD',
  issued_at: '2026-12-01T00:00:05.000Z',
  paid_at: '2026-12-01T00:00:09.000Z',
  period_start: '2026-11-01T00:00:00.000Z',
  period_end: '2026-12-01T00:00:00.000Z',
  plan: { id: 'team', name: 'Team', base_price_cents: 19_900 },
  seller: SELLER,
  billing_address: { name: 'Hudson Analytics LLC', line1: '200 Varick St', city: 'New York', region: 'NY', postal_code: '10014', country: 'US' },
  lines: [
    { kind: 'subscription', description: 'Team plan', quantity: 1, unit_price_cents: 19_900, amount_cents: 19_900 },
    { kind: 'overage', description: 'On-demand overage', quantity: 1_000, unit_price_cents: 1, amount_cents: 1_000 },
  ],
  tax: [{ name: 'Sales tax (New York)', rate_bps: 887.5, amount_cents: 1_855 }],
  tax_note: null,
  subtotal_cents: 20_900,
  tax_cents: 1_855,
  total_cents: 22_755,
  paid_with: { brand: 'visa', last4: '4242' },
};

/** An open credit purchase by a German business: reverse-charged, so no tax line at all. */
const OPEN_REVERSE_CHARGED: InvoiceFacts = {
  ...PAID,
  number: 'LB-000124',
  kind: 'credit_purchase',
  status: 'open',
  issued_at: '2026-12-14T23:59:59.000Z',
  paid_at: null,
  billing_address: { name: 'Bergmann Logistik GmbH', line1: 'Friedrichstraße 68', city: 'Berlin', postal_code: '10117', country: 'DE', vat_id: 'DE123456789' },
  lines: [{ kind: 'credit_purchase', description: '50,000 AI credits', quantity: 50_000, unit_price_cents: 1, amount_cents: 50_000 }],
  tax: [],
  tax_note: EU_REVERSE_CHARGE_NOTE,
  subtotal_cents: 50_000,
  tax_cents: 0,
  total_cents: 50_000,
  paid_with: null,
};

describe('an invoice reads the same everywhere', () => {
  it('an open invoice is "Due" with a "Total due"; a paid one is "Paid on <date>" with a "Total paid"', () => {
    const open = presentInvoice(OPEN_REVERSE_CHARGED);
    expect([open.title, open.badge, open.status, open.total]).toEqual(['Invoice LB-000124', 'Due', 'Due', { label: 'Total due', value: '$500.00' }]);
    expect(open.tone).toBe('attention');
    const paid = presentInvoice(PAID);
    expect([paid.title, paid.badge, paid.status, paid.total]).toEqual([
      'Invoice LB-000123', 'Paid', 'Paid on Dec 1, 2026', { label: 'Total paid', value: '$227.55' },
    ]);
    expect(paid.tone).toBe('good');
  });

  it('a void invoice says nothing is due and its total was not charged', () => {
    const view = presentInvoice({ ...OPEN_REVERSE_CHARGED, status: 'void' });
    expect([view.badge, view.status, view.total.label, view.tone]).toEqual(['Void', 'Void: nothing is due', 'Total (void, not charged)', 'neutral']);
    expect(view.receipt).toBeNull();
  });

  it('the summary lists number, type, dates, plan, status and total in that order', () => {
    expect(presentInvoice(PAID).facts).toEqual([
      { label: 'Invoice number', value: 'LB-000123' },
      { label: 'Type', value: 'Subscription' },
      { label: 'Issue date', value: 'Dec 1, 2026' },
      { label: 'Billing period', value: 'Nov 1, 2026 – Nov 30, 2026' },
      { label: 'Plan', value: 'Team — $199.00 per billing period' },
      { label: 'Status', value: 'Paid on Dec 1, 2026' },
      { label: 'Total paid', value: '$227.55' },
    ]);
    expect(presentInvoice(OPEN_REVERSE_CHARGED).facts[1]).toEqual({ label: 'Type', value: 'Credit purchase' });
  });

  it('lines print quantity, unit price and amount as money', () => {
    const view = presentInvoice(PAID);
    expect(view.columns).toEqual({ description: 'Description', quantity: 'Quantity', unitPrice: 'Unit price', amount: 'Amount' });
    expect(view.lines).toEqual([
      { description: 'Team plan', quantity: '1', unitPrice: '$199.00', amount: '$199.00' },
      { description: 'On-demand overage', quantity: '1,000', unitPrice: '$0.01', amount: '$10.00' },
    ]);
    expect(view.subtotal).toEqual({ label: 'Subtotal', value: '$209.00' });
  });

  it('each tax line is a row with its rate', () => {
    expect(presentInvoice(PAID).taxRows).toEqual([{ label: 'Sales tax (New York) at 8.875%', value: '$18.55' }]);
  });

  it('an invoice without tax still has a Tax row of $0.00, and the note says why', () => {
    const view = presentInvoice(OPEN_REVERSE_CHARGED);
    expect(view.taxRows).toEqual([{ label: 'Tax', value: '$0.00' }]);
    expect(view.taxNote).toBe(EU_REVERSE_CHARGE_NOTE);
    expect(presentInvoice({ ...OPEN_REVERSE_CHARGED, tax_note: null }).taxRows).toEqual([{ label: 'Tax', value: '$0.00' }]);
  });

  it('money in another currency keeps its own symbol', () => {
    expect(presentInvoice({ ...OPEN_REVERSE_CHARGED, currency: 'EUR' }).total.value).toBe('€500.00');
  });
});

describe('receipts', () => {
  it('a paid invoice says which card paid it and when', () => {
    const view = presentInvoice(PAID);
    expect(view.receipt).toBe('Paid with Visa •••• 4242 on Dec 1, 2026');
    expect(view.compactReceipt).toBe('Dec 1, 2026 · Visa •••• 4242');
  });

  it('a paid invoice whose card is not known gives its date only; an open one has no receipt', () => {
    const unknownCard = presentInvoice({ ...PAID, paid_with: null });
    expect([unknownCard.receipt, unknownCard.compactReceipt, unknownCard.status]).toEqual([null, 'Dec 1, 2026', 'Paid on Dec 1, 2026']);
    const open = presentInvoice(OPEN_REVERSE_CHARGED);
    expect([open.receipt, open.compactReceipt]).toEqual([null, null]);
  });

  it('a list row without the card (a summary) still shows the date paid', () => {
    const { lines: _lines, tax: _tax, paid_with: _card, ...summary } = PAID;
    expect(presentInvoiceSummary(summary).compactReceipt).toBe('Dec 1, 2026');
  });

  it('brands are written as people know them', () => {
    expect(['visa', 'mastercard', 'amex', 'discover', 'diners', 'jcb', 'unionpay', 'VISA'].map(cardBrandName)).toEqual([
      'Visa', 'Mastercard', 'American Express', 'Discover', 'Diners Club', 'JCB', 'UnionPay', 'Visa',
    ]);
    expect(['maestro', 'unknown', ''].map(cardBrandName)).toEqual(['Maestro', 'Card', 'Card']);
    expect(presentInvoice({ ...PAID, paid_with: { brand: 'amex', last4: '0005' } }).receipt).toBe('Paid with American Express •••• 0005 on Dec 1, 2026');
  });
});

describe('dates, countries and addresses', () => {
  it('dates are "Dec 1, 2026" on their UTC day, whatever the time of day', () => {
    expect(formatInvoiceDate('2026-12-01T00:00:00.000Z')).toBe('Dec 1, 2026');
    expect(formatInvoiceDate('2026-12-14T23:59:59.999Z')).toBe('Dec 14, 2026');
    expect(formatInvoiceDate('2027-09-30T12:00:00+02:00')).toBe('Sep 30, 2027');
    expect(() => formatInvoiceDate('yesterday')).toThrow(RangeError);
  });

  it('a period prints its last day, not the next period start', () => {
    expect(formatInvoicePeriod('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')).toBe('Jan 1, 2026 – Jan 31, 2026');
    expect(formatInvoicePeriod('2026-01-31T09:00:00Z', '2026-02-28T09:00:00Z')).toBe('Jan 31, 2026 – Feb 28, 2026');
    expect(formatInvoicePeriod('2026-03-05T10:00:00Z', '2026-03-05T10:00:00Z')).toBe('Mar 5, 2026 – Mar 5, 2026');
  });

  it('countries are named in full; an unknown code is printed as it is', () => {
    expect(['US', 'DE', 'de', 'GB', 'PL'].map(countryName)).toEqual(['United States', 'Germany', 'Germany', 'United Kingdom', 'Poland']);
    expect(countryName('ZZZ')).toBe('ZZZ');
  });

  it('an address is name, street, "City, Region Postcode", country and VAT ID, skipping what is missing', () => {
    expect(addressLines(SELLER)).toEqual(['Loupe Factory, Inc.', '548 Market St', 'San Francisco, CA 94104', 'United States']);
    expect(addressLines(OPEN_REVERSE_CHARGED.billing_address)).toEqual([
      'Bergmann Logistik GmbH', 'Friedrichstraße 68', 'Berlin 10117', 'Germany', 'VAT ID: DE123456789',
    ]);
    expect(addressLines({ name: 'Billing acme', region: 'CA', country: 'US', vat_id: null })).toEqual(['Billing acme', 'CA', 'United States']);
  });

  it('tax rates print as percentages', () => {
    expect([825, 887.5, 2_000, 0].map(formatTaxRate)).toEqual(['8.25%', '8.875%', '20%', '0%']);
  });
});

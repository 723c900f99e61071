import { formatMoney, type InvoiceDocument, type InvoiceKind, type InvoiceStatus, type PostalAddress } from './invoices.js';

/**
 * How an invoice reads, word for word, wherever it is shown: the web app's invoice page and list and
 * the PDF both print these strings, so the two can never disagree about a label, a date or a country.
 * Pure: no I/O and nothing of the browser or of Node beyond the standard `Intl`.
 *
 * Dates are the document's, so they are printed in UTC (an invoice dated Dec 1 is Dec 1 for every
 * reader), and month names are fixed here rather than taken from ICU, whose data differs between the
 * browser and the server and changes between releases.
 */

export interface PaidWith {
  readonly brand: string;
  readonly last4: string;
}

/**
 * What the list of invoices knows of each one. The card is optional: a summary may not carry it
 * (the list shows the card when it does).
 */
export type InvoiceSummaryFacts = Pick<
  InvoiceDocument,
  'number' | 'kind' | 'status' | 'currency' | 'issued_at' | 'paid_at' | 'period_start' | 'period_end' | 'total_cents'
> & { readonly paid_with?: PaidWith | null | undefined };

/** Everything printed on an invoice. */
export type InvoiceFacts = Omit<InvoiceDocument, 'id' | 'paid_with'> & { readonly paid_with?: PaidWith | null | undefined };

/** How the status looks: good news, money still to come, or nothing to do. */
export const STATUS_TONES = ['good', 'attention', 'neutral'] as const;
export type StatusTone = (typeof STATUS_TONES)[number];

export interface LabelledValue {
  readonly label: string;
  readonly value: string;
}

export interface InvoiceSummaryView {
  /** "Invoice LB-000123". */
  readonly title: string;
  readonly number: string;
  /** "Subscription", "Credit purchase". */
  readonly kind: string;
  readonly issueDate: string;
  /** "Jan 1, 2026 – Jan 31, 2026": the last day billed, not the next period's start. */
  readonly period: string;
  /** The short word of the status badge: "Due", "Paid", "Void". */
  readonly badge: string;
  readonly tone: StatusTone;
  /** The status as a sentence: "Due", "Paid on Dec 1, 2026", "Void: nothing is due". */
  readonly status: string;
  /** "Total due" while open, "Total paid" once paid, with the amount. */
  readonly total: LabelledValue;
  /** "Paid with Visa •••• 4242 on Dec 1, 2026"; null unless paid with a known card. */
  readonly receipt: string | null;
  /** The receipt in a list row: "Dec 1, 2026 · Visa •••• 4242" (the card when known); null unless paid. */
  readonly compactReceipt: string | null;
}

export interface AddressBlockView {
  /** "From", "Bill to". */
  readonly title: string;
  /** The name first, then street, locality, country and VAT ID, each a line. */
  readonly lines: readonly string[];
}

export interface LineRowView {
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly amount: string;
}

export interface InvoiceView extends InvoiceSummaryView {
  /** The summary of the invoice: number, type, dates, plan, status and total, in this order. */
  readonly facts: readonly LabelledValue[];
  readonly seller: AddressBlockView;
  readonly billTo: AddressBlockView;
  readonly columns: { readonly description: string; readonly quantity: string; readonly unitPrice: string; readonly amount: string };
  readonly lines: readonly LineRowView[];
  readonly subtotal: LabelledValue;
  /** Never empty: an invoice without tax shows a "Tax" row of 0.00 (the tax note says why). */
  readonly taxRows: readonly LabelledValue[];
  /** e.g. the reverse-charge sentence; null when there is nothing to explain. */
  readonly taxNote: string | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const KIND_LABELS: Record<InvoiceKind, string> = { period: 'Subscription', credit_purchase: 'Credit purchase' };
const BADGES: Record<InvoiceStatus, string> = { open: 'Due', paid: 'Paid', void: 'Void' };
const TONES: Record<InvoiceStatus, StatusTone> = { open: 'attention', paid: 'good', void: 'neutral' };
const TOTAL_LABELS: Record<InvoiceStatus, string> = { open: 'Total due', paid: 'Total paid', void: 'Total (void, not charged)' };

/** Card brands as the payment providers spell them (Stripe's), as people know them. */
const CARD_BRANDS: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  american_express: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  diners_club: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
  eftpos_au: 'eftpos Australia',
  interac: 'Interac',
};

/** "Dec 1, 2026" for an instant, on its UTC day. */
export function formatInvoiceDate(iso: string): string {
  const date = parseTimestamp(iso);
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}

/** Periods end exclusively (the next period's start), so the printed last day is the instant before. */
export function formatInvoicePeriod(startIso: string, endIso: string): string {
  const start = parseTimestamp(startIso).getTime();
  const lastInstant = Math.max(start, parseTimestamp(endIso).getTime() - 1);
  return `${formatInvoiceDate(startIso)} – ${formatInvoiceDate(new Date(lastInstant).toISOString())}`;
}

/** "US" → "United States", "DE" → "Germany"; a code Intl does not know is printed as it is. */
export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** "visa" → "Visa", "amex" → "American Express", "maestro" → "Maestro"; no brand (or "unknown") is "Card". */
export function cardBrandName(brand: string): string {
  const code = brand.trim().toLowerCase();
  const known = CARD_BRANDS[code];
  if (known !== undefined) return known;
  if (code === '' || code === 'unknown') return 'Card';
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "Visa •••• 4242": the card as a person recognises it. */
export function cardLabel(card: PaidWith): string {
  return `${cardBrandName(card.brand)} •••• ${card.last4}`;
}

/** Basis points as a percentage: 825 → "8.25%", 887.5 → "8.875%", 0 → "0%". */
export function formatTaxRate(rateBps: number): string {
  return `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 }).format(rateBps / 100)}%`;
}

/** "1,000". */
export function formatQuantity(quantity: number): string {
  return new Intl.NumberFormat('en-US').format(quantity);
}

/** The address as printed lines: name, street, "City, Region Postcode", country, VAT ID. */
export function addressLines(address: PostalAddress): string[] {
  const cityAndRegion = [address.city, address.region].filter(Boolean).join(', ');
  const locality = [cityAndRegion, address.postal_code].filter(Boolean).join(' ');
  const lines = [address.name, address.line1, locality, countryName(address.country)].filter((line): line is string => Boolean(line));
  if (address.vat_id) lines.push(`VAT ID: ${address.vat_id}`);
  return lines;
}

/** What a row of the invoice list shows. */
export function presentInvoiceSummary(invoice: InvoiceSummaryFacts): InvoiceSummaryView {
  const paidOn = invoice.status === 'paid' && invoice.paid_at !== null ? formatInvoiceDate(invoice.paid_at) : null;
  const card = paidOn !== null && invoice.paid_with ? cardLabel(invoice.paid_with) : null;
  return {
    title: `Invoice ${invoice.number}`,
    number: invoice.number,
    kind: KIND_LABELS[invoice.kind],
    issueDate: formatInvoiceDate(invoice.issued_at),
    period: formatInvoicePeriod(invoice.period_start, invoice.period_end),
    badge: BADGES[invoice.status],
    tone: TONES[invoice.status],
    status: statusSentence(invoice.status, paidOn),
    total: { label: TOTAL_LABELS[invoice.status], value: formatMoney(invoice.total_cents, invoice.currency) },
    receipt: card === null ? null : `Paid with ${card} on ${paidOn}`,
    compactReceipt: paidOn === null ? null : [paidOn, card].filter(Boolean).join(' · '),
  };
}

function statusSentence(status: InvoiceStatus, paidOn: string | null): string {
  if (status === 'paid') return paidOn === null ? 'Paid' : `Paid on ${paidOn}`;
  if (status === 'open') return 'Due';
  return 'Void: nothing is due';
}

/** The whole invoice, as the invoice page and the PDF print it. */
export function presentInvoice(invoice: InvoiceFacts): InvoiceView {
  const summary = presentInvoiceSummary(invoice);
  const money = (cents: number) => formatMoney(cents, invoice.currency);
  return {
    ...summary,
    facts: [
      { label: 'Invoice number', value: invoice.number },
      { label: 'Type', value: summary.kind },
      { label: 'Issue date', value: summary.issueDate },
      { label: 'Billing period', value: summary.period },
      { label: 'Plan', value: `${invoice.plan.name} — ${money(invoice.plan.base_price_cents)} per billing period` },
      { label: 'Status', value: summary.status },
      summary.total,
    ],
    seller: { title: 'From', lines: addressLines(invoice.seller) },
    billTo: { title: 'Bill to', lines: addressLines(invoice.billing_address) },
    columns: { description: 'Description', quantity: 'Quantity', unitPrice: 'Unit price', amount: 'Amount' },
    lines: invoice.lines.map((line) => ({
      description: line.description,
      quantity: formatQuantity(line.quantity),
      unitPrice: money(line.unit_price_cents),
      amount: money(line.amount_cents),
    })),
    subtotal: { label: 'Subtotal', value: money(invoice.subtotal_cents) },
    taxRows:
      invoice.tax.length === 0
        ? [{ label: 'Tax', value: money(0) }]
        : invoice.tax.map((tax) => ({ label: `${tax.name} at ${formatTaxRate(tax.rate_bps)}`, value: money(tax.amount_cents) })),
    taxNote: invoice.tax_note,
  };
}

/**
 * A credit note (issue 17): money paid back on a credit purchase's invoice, with the credits it took
 * back. Its seller, customer and tax names are the credited invoice's, so the two documents match.
 */
export interface CreditNoteFacts {
  readonly number: string;
  readonly issued_at: string;
  readonly currency: string;
  readonly reason: string;
  readonly credits: number;
  readonly unit_price_cents: number;
  readonly amount_cents: number;
  readonly tax_cents: number;
  readonly total_cents: number;
  readonly invoice: Pick<InvoiceDocument, 'number' | 'seller' | 'billing_address' | 'tax' | 'tax_note'>;
  /** The card the money goes back to, when known. */
  readonly refunded_to: PaidWith | null;
}

/** The credit note as its page and its PDF print it, in the same shape as an invoice. */
export function presentCreditNote(note: CreditNoteFacts): InvoiceView {
  const money = (cents: number) => formatMoney(cents, note.currency);
  const issued = formatInvoiceDate(note.issued_at);
  const status = note.refunded_to === null ? `Refunded on ${issued}` : `Refunded to ${cardLabel(note.refunded_to)} on ${issued}`;
  const total = { label: 'Total refunded', value: money(note.total_cents) };
  // One tax on the invoice: its name and rate; several (state and local): their refunded sum as one row.
  const [onlyTax, ...otherTaxes] = note.invoice.tax;
  const taxRows =
    onlyTax !== undefined && otherTaxes.length === 0
      ? [{ label: `${onlyTax.name} at ${formatTaxRate(onlyTax.rate_bps)}`, value: money(note.tax_cents) }]
      : [{ label: 'Tax', value: money(note.tax_cents) }];
  return {
    title: `Credit note ${note.number}`,
    number: note.number,
    kind: 'Credit note',
    issueDate: issued,
    period: '',
    badge: 'Refunded',
    tone: 'good',
    status,
    total,
    receipt: null,
    compactReceipt: null,
    facts: [
      { label: 'Credit note number', value: note.number },
      { label: 'Type', value: 'Credit note' },
      { label: 'Issue date', value: issued },
      { label: 'Credits invoice', value: note.invoice.number },
      { label: 'Reason', value: note.reason },
      { label: 'Status', value: status },
      total,
    ],
    seller: { title: 'From', lines: addressLines(note.invoice.seller) },
    billTo: { title: 'Credit to', lines: addressLines(note.invoice.billing_address) },
    columns: { description: 'Description', quantity: 'Quantity', unitPrice: 'Unit price', amount: 'Amount' },
    lines: [
      {
        description: `Unused AI credits taken back (invoice ${note.invoice.number})`,
        quantity: formatQuantity(note.credits),
        unitPrice: money(note.unit_price_cents),
        amount: money(note.amount_cents),
      },
    ],
    subtotal: { label: 'Subtotal', value: money(note.amount_cents) },
    taxRows,
    taxNote: note.invoice.tax_note,
  };
}

function parseTimestamp(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`invoice timestamp "${iso}" is not valid`);
  return date;
}

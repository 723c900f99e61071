import PDFDocument from 'pdfkit';
import {
  assertInvoiceTotals,
  formatMoney,
  type InvoiceDocument,
  type InvoiceKind,
  type InvoiceLine,
  type InvoiceStatus,
  type PostalAddress,
} from '../domain/invoices.js';

/**
 * Renders an invoice (SPEC §8) to a PDF with pdfkit's built-in Helvetica, so no font files ship with
 * the service. A4, one page for a typical invoice; the line table flows onto further pages. The same
 * invoice always gives the same bytes: the creation date (which also seeds the file ID) is issued_at.
 */
type Doc = PDFKit.PDFDocument;

const MARGIN = 50;
const CONTENT_WIDTH = 595.28 - 2 * MARGIN;
const FOOTER_HEIGHT = 30;
const ROW_PADDING = 5;
const COLOR = { text: '#1f2328', muted: '#6b7280', rule: '#d0d7de', band: '#f3f4f6' } as const;
const STATUS_COLOR: Record<InvoiceStatus, string> = { paid: '#1f7a4d', open: '#b45309', void: '#6b7280' };
const KIND_LABEL: Record<InvoiceKind, string> = { period: 'Subscription period', credit_purchase: 'Credit purchase' };
const TOTAL_LABEL: Record<InvoiceStatus, string> = { paid: 'Total charged', open: 'Total due', void: 'Total (void)' };

interface Column {
  readonly title: string;
  readonly width: number;
  readonly align: 'left' | 'right';
  readonly cell: (line: InvoiceLine, currency: string) => string;
}

const COLUMNS: readonly Column[] = [
  { title: 'Description', width: 245, align: 'left', cell: (line) => line.description },
  { title: 'Quantity', width: 70, align: 'right', cell: (line) => formatQuantity(line.quantity) },
  { title: 'Unit price', width: 80, align: 'right', cell: (line, currency) => formatMoney(line.unit_price_cents, currency) },
  { title: 'Amount', width: CONTENT_WIDTH - 395, align: 'right', cell: (line, currency) => formatMoney(line.amount_cents, currency) },
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

export async function renderInvoicePdf(document: InvoiceDocument): Promise<Buffer> {
  assertInvoiceTotals(document);
  const invoice = printable(document);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `Invoice ${invoice.number}`, Author: invoice.seller.name, CreationDate: parseTimestamp(invoice.issued_at) },
  });
  const bytes = collect(doc);
  drawHeader(doc, invoice);
  drawParties(doc, invoice);
  drawPlan(doc, invoice);
  drawLines(doc, invoice);
  drawTotals(doc, invoice);
  drawFooters(doc, invoice);
  doc.end();
  return bytes;
}

function collect(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

function drawHeader(doc: Doc, invoice: InvoiceDocument): void {
  doc.fillColor(COLOR.text).font('Helvetica-Bold').fontSize(24).text('Invoice', MARGIN, MARGIN);
  doc.font('Helvetica').fontSize(11).fillColor(COLOR.muted).text(invoice.number);
  drawStatusBadge(doc, invoice.status);
  doc.moveDown(1.2);
  const facts: [string, string][] = [
    ['Invoice type', KIND_LABEL[invoice.kind]],
    ['Issue date', formatDate(parseTimestamp(invoice.issued_at))],
    ['Billing period', formatPeriod(invoice.period_start, invoice.period_end)],
  ];
  if (invoice.paid_at !== null) facts.push(['Paid on', formatDate(parseTimestamp(invoice.paid_at))]);
  for (const [label, value] of facts) drawFact(doc, label, value);
}

function drawStatusBadge(doc: Doc, status: InvoiceStatus): void {
  const label = status.toUpperCase();
  doc.font('Helvetica-Bold').fontSize(11);
  const width = doc.widthOfString(label) + 20;
  const x = MARGIN + CONTENT_WIDTH - width;
  doc.roundedRect(x, MARGIN + 4, width, 22, 4).fill(STATUS_COLOR[status]);
  doc.fillColor('#ffffff').text(label, x, MARGIN + 10, { width, align: 'center', lineBreak: false });
  doc.fillColor(COLOR.text).font('Helvetica').text('', MARGIN, MARGIN + 50);
}

function drawFact(doc: Doc, label: string, value: string): void {
  const y = doc.y;
  doc.font('Helvetica').fontSize(10).fillColor(COLOR.muted).text(label, MARGIN, y, { width: 100 });
  doc.fillColor(COLOR.text).text(value, MARGIN + 100, y, { width: CONTENT_WIDTH - 100 });
  doc.moveDown(0.2);
}

function drawParties(doc: Doc, invoice: InvoiceDocument): void {
  const top = doc.y + 18;
  const half = CONTENT_WIDTH / 2;
  const fromBottom = drawAddress(doc, { title: 'From', address: invoice.seller, x: MARGIN, y: top, width: half - 10 });
  const toBottom = drawAddress(doc, { title: 'Bill to', address: invoice.billing_address, x: MARGIN + half, y: top, width: half });
  doc.text('', MARGIN, Math.max(fromBottom, toBottom) + 18);
}

function drawAddress(doc: Doc, block: { title: string; address: PostalAddress; x: number; y: number; width: number }): number {
  const { address, x, width } = block;
  doc.font('Helvetica-Bold').fontSize(9).fillColor(COLOR.muted).text(block.title.toUpperCase(), x, block.y, { width });
  doc.moveDown(0.3);
  doc.font('Helvetica-Bold').fontSize(10).fillColor(COLOR.text).text(address.name, x, doc.y, { width });
  doc.font('Helvetica');
  for (const line of addressLines(address)) doc.text(line, x, doc.y, { width });
  return doc.y;
}

function addressLines(address: PostalAddress): string[] {
  const cityAndRegion = [address.city, address.region].filter(Boolean).join(', ');
  const locality = [cityAndRegion, address.postal_code].filter(Boolean).join(' ');
  const lines = [address.line1, locality, countryName(address.country)].filter((line): line is string => Boolean(line));
  if (address.vat_id) lines.push(`VAT ID: ${address.vat_id}`);
  return lines;
}

function drawPlan(doc: Doc, invoice: InvoiceDocument): void {
  const { name, base_price_cents } = invoice.plan;
  doc.font('Helvetica-Bold').fontSize(10).fillColor(COLOR.text).text('Plan: ', MARGIN, doc.y, { continued: true });
  doc.font('Helvetica').text(`${name} — ${formatMoney(base_price_cents, invoice.currency)} per period`);
  doc.moveDown(1);
}

function drawLines(doc: Doc, invoice: InvoiceDocument): void {
  drawTableHeader(doc);
  for (const line of invoice.lines) {
    const height = rowHeight(doc, line, invoice.currency);
    if (doc.y + height > pageBottom(doc)) startContinuationPage(doc, invoice.number);
    drawRow(doc, COLUMNS.map((column) => column.cell(line, invoice.currency)), height);
    rule(doc, doc.y, COLOR.rule);
  }
}

function startContinuationPage(doc: Doc, invoiceNumber: string): void {
  doc.addPage();
  doc.font('Helvetica').fontSize(9).fillColor(COLOR.muted).text(`Invoice ${invoiceNumber} (continued)`, MARGIN, MARGIN);
  doc.moveDown(1);
  drawTableHeader(doc);
}

function drawTableHeader(doc: Doc): void {
  doc.font('Helvetica-Bold').fontSize(9);
  const height = doc.currentLineHeight() + 2 * ROW_PADDING;
  doc.rect(MARGIN, doc.y, CONTENT_WIDTH, height).fill(COLOR.band);
  doc.fillColor(COLOR.muted);
  drawRow(doc, COLUMNS.map((column) => column.title), height);
  doc.font('Helvetica').fontSize(10).fillColor(COLOR.text);
}

function drawRow(doc: Doc, cells: readonly string[], height: number): void {
  const top = doc.y;
  let x = MARGIN;
  COLUMNS.forEach((column, index) => {
    const text = cells[index] ?? '';
    doc.text(text, x + ROW_PADDING, top + ROW_PADDING, { width: column.width - 2 * ROW_PADDING, align: column.align });
    x += column.width;
  });
  doc.text('', MARGIN, top + height);
}

function rowHeight(doc: Doc, line: InvoiceLine, currency: string): number {
  const heights = COLUMNS.map((column) => doc.heightOfString(column.cell(line, currency), { width: column.width - 2 * ROW_PADDING }));
  return Math.max(...heights) + 2 * ROW_PADDING;
}

function drawTotals(doc: Doc, invoice: InvoiceDocument): void {
  const rows: [string, number][] = [['Subtotal', invoice.subtotal_cents]];
  for (const tax of invoice.tax) rows.push([`${tax.name} (${formatRate(tax.rate_bps)})`, tax.amount_cents]);
  const needed = (rows.length + 2) * 20 + (invoice.tax_note === null ? 0 : 40);
  if (doc.y + needed > pageBottom(doc)) doc.addPage();
  doc.moveDown(0.8);
  doc.font('Helvetica').fontSize(10).fillColor(COLOR.text);
  for (const [label, cents] of rows) drawTotalRow(doc, label, formatMoney(cents, invoice.currency));
  rule(doc, doc.y + 2, COLOR.text, MARGIN + CONTENT_WIDTH - 250);
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12);
  drawTotalRow(doc, TOTAL_LABEL[invoice.status], formatMoney(invoice.total_cents, invoice.currency));
  if (invoice.tax_note !== null) drawTaxNote(doc, invoice.tax_note);
}

function drawTotalRow(doc: Doc, label: string, value: string): void {
  const y = doc.y;
  const valueWidth = 110;
  const labelX = MARGIN + CONTENT_WIDTH - 250;
  doc.text(label, labelX, y, { width: 250 - valueWidth - 10, align: 'left' });
  const labelBottom = doc.y;
  doc.text(value, MARGIN + CONTENT_WIDTH - valueWidth, y, { width: valueWidth, align: 'right' });
  doc.text('', MARGIN, Math.max(labelBottom, doc.y) + 4);
}

function drawTaxNote(doc: Doc, note: string): void {
  doc.moveDown(1.2).font('Helvetica-Oblique').fontSize(9).fillColor(COLOR.muted);
  doc.text(note, MARGIN, doc.y, { width: CONTENT_WIDTH });
}

function drawFooters(doc: Doc, invoice: InvoiceDocument): void {
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    // Writing inside the bottom margin would make pdfkit start a new page; lift the margin first.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const footer = `${invoice.seller.name} · Invoice ${invoice.number} · Page ${index + 1} of ${range.count}`;
    const y = doc.page.height - MARGIN + 10;
    doc.font('Helvetica').fontSize(8).fillColor(COLOR.muted);
    doc.text(footer, MARGIN, y, { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottomMargin;
  }
}

function rule(doc: Doc, y: number, color: string, fromX: number = MARGIN): void {
  doc.save().moveTo(fromX, y).lineTo(MARGIN + CONTENT_WIDTH, y).lineWidth(0.5).strokeColor(color).stroke().restore();
}

function pageBottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom - FOOTER_HEIGHT;
}

function formatQuantity(quantity: number): string {
  return new Intl.NumberFormat('en-US').format(quantity);
}

/** Basis points as a percentage: 825 → "8.25%", 887.5 → "8.875%", 0 → "0%". */
export function formatRate(rateBps: number): string {
  return `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 }).format(rateBps / 100)}%`;
}

/** "1 Jan 2026" in UTC; month names are fixed so ICU updates cannot change the printed text. */
export function formatDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** Periods end exclusively (the next period's start), so the printed last day is the instant before. */
export function formatPeriod(startIso: string, endIso: string): string {
  const start = parseTimestamp(startIso);
  const lastInstant = Math.max(start.getTime(), parseTimestamp(endIso).getTime() - 1);
  return `${formatDate(start)} – ${formatDate(new Date(lastInstant))}`;
}

function parseTimestamp(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`invoice timestamp "${iso}" is not valid`);
  return date;
}

// The built-in Helvetica only encodes WinAnsi (Latin-1 plus a few signs); pdfkit garbles the rest of
// a string after the first character outside it, so names like "Łódź" are folded to "Lodz" instead.
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const FOLDED: Readonly<Record<string, string>> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', ı: 'i', Ħ: 'H', ħ: 'h', ŀ: 'l', Ŀ: 'L' };

function isWinAnsi(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(character);
}

export function toWinAnsi(text: string): string {
  return Array.from(text.normalize('NFC'), (character) => {
    if (isWinAnsi(character)) return character;
    const folded = FOLDED[character] ?? character.normalize('NFKD').replace(/\p{M}/gu, '');
    return Array.from(folded).every(isWinAnsi) && folded !== '' ? folded : '?';
  }).join('');
}

function printableAddress(address: PostalAddress): PostalAddress {
  const fields = Object.entries(address).map(([key, value]) => [key, typeof value === 'string' ? toWinAnsi(value) : value]);
  return Object.fromEntries(fields) as PostalAddress;
}

function printable(invoice: InvoiceDocument): InvoiceDocument {
  return {
    ...invoice,
    number: toWinAnsi(invoice.number),
    plan: { ...invoice.plan, name: toWinAnsi(invoice.plan.name) },
    seller: printableAddress(invoice.seller),
    billing_address: printableAddress(invoice.billing_address),
    lines: invoice.lines.map((line) => ({ ...line, description: toWinAnsi(line.description) })),
    tax: invoice.tax.map((tax) => ({ ...tax, name: toWinAnsi(tax.name) })),
    tax_note: invoice.tax_note === null ? null : toWinAnsi(invoice.tax_note),
  };
}

function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

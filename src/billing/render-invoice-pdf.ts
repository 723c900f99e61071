import PDFDocument from 'pdfkit';
import { assertInvoiceTotals, type InvoiceDocument } from '../domain/invoices.js';
import { assertInvariant } from '../domain/assert.js';
import { presentCreditNote, presentInvoice, type AddressBlockView, type CreditNoteFacts, type InvoiceView, type LabelledValue, type LineRowView, type StatusTone } from '../domain/invoice-presentation.js';

/**
 * Renders an invoice (SPEC §8) to a PDF with pdfkit's built-in Helvetica, so no font files ship with
 * the service. Every word, date and amount comes from domain/invoice-presentation.ts, the same strings
 * the web app's invoice page shows; this file only lays them out. A4, one page for a typical invoice;
 * the line table flows onto further pages. The same invoice always gives the same bytes: the creation
 * date (which also seeds the file ID) is issued_at.
 */
type Doc = PDFKit.PDFDocument;
type LineRow = LineRowView;

const MARGIN = 50;
const CONTENT_WIDTH = 595.28 - 2 * MARGIN;
const FOOTER_HEIGHT = 30;
const ROW_PADDING = 5;
const FACT_LABEL_WIDTH = 100;
const COLOR = { text: '#1f2328', muted: '#6b7280', rule: '#d0d7de', band: '#f3f4f6', good: '#1f7a4d' } as const;
const TONE_COLOR: Record<StatusTone, string> = { good: '#1f7a4d', attention: '#b45309', neutral: '#6b7280' };

interface Column {
  readonly key: keyof LineRow;
  readonly width: number;
  readonly align: 'left' | 'right';
}

const COLUMNS: readonly Column[] = [
  { key: 'description', width: 245, align: 'left' },
  { key: 'quantity', width: 70, align: 'right' },
  { key: 'unitPrice', width: 80, align: 'right' },
  { key: 'amount', width: CONTENT_WIDTH - 395, align: 'right' },
];

export async function renderInvoicePdf(document: InvoiceDocument): Promise<Buffer> {
  assertInvoiceTotals(document);
  return renderDocumentPdf(presentInvoice(document), new Date(document.issued_at));
}

/** A credit note (issue 17), laid out as an invoice is. */
export async function renderCreditNotePdf(note: CreditNoteFacts): Promise<Buffer> {
  assertInvariant(note.amount_cents + note.tax_cents === note.total_cents, `credit note ${note.number} does not add up`);
  return renderDocumentPdf(presentCreditNote(note), new Date(note.issued_at));
}

async function renderDocumentPdf(presented: InvoiceView, issuedAt: Date): Promise<Buffer> {
  const view = printable(presented);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: view.title, Author: view.seller.lines[0] ?? '', CreationDate: issuedAt },
  });
  const bytes = collect(doc);
  drawHeader(doc, view);
  drawParties(doc, view);
  drawLines(doc, view);
  drawTotals(doc, view);
  drawFooters(doc, view);
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

function drawHeader(doc: Doc, view: InvoiceView): void {
  const badgeWidth = drawStatusBadge(doc, view);
  doc.fillColor(COLOR.text).font('Helvetica-Bold').fontSize(22);
  doc.text(view.title, MARGIN, MARGIN, { width: CONTENT_WIDTH - badgeWidth - 10 });
  doc.moveDown(0.8);
  for (const fact of view.facts) drawFact(doc, fact);
}

/** The status badge at the top right; returns its width. */
function drawStatusBadge(doc: Doc, view: InvoiceView): number {
  doc.font('Helvetica-Bold').fontSize(11);
  const width = doc.widthOfString(view.badge) + 20;
  const x = MARGIN + CONTENT_WIDTH - width;
  doc.roundedRect(x, MARGIN + 2, width, 22, 4).fill(TONE_COLOR[view.tone]);
  doc.fillColor('#ffffff').text(view.badge, x, MARGIN + 8, { width, align: 'center', lineBreak: false });
  return width;
}

function drawFact(doc: Doc, fact: LabelledValue): void {
  const y = doc.y;
  doc.font('Helvetica').fontSize(10).fillColor(COLOR.muted).text(fact.label, MARGIN, y, { width: FACT_LABEL_WIDTH });
  const labelBottom = doc.y;
  doc.fillColor(COLOR.text).text(fact.value, MARGIN + FACT_LABEL_WIDTH, y, { width: CONTENT_WIDTH - FACT_LABEL_WIDTH });
  doc.text('', MARGIN, Math.max(labelBottom, doc.y));
  doc.moveDown(0.2);
}

function drawParties(doc: Doc, view: InvoiceView): void {
  const top = doc.y + 18;
  const half = CONTENT_WIDTH / 2;
  const fromBottom = drawAddress(doc, { block: view.seller, x: MARGIN, y: top, width: half - 10 });
  const toBottom = drawAddress(doc, { block: view.billTo, x: MARGIN + half, y: top, width: half });
  doc.text('', MARGIN, Math.max(fromBottom, toBottom) + 18);
}

/** The block's title, its first line (the name) in bold, then the rest; returns the bottom. */
function drawAddress(doc: Doc, where: { block: AddressBlockView; x: number; y: number; width: number }): number {
  const { block, x, width } = where;
  const [name, ...rest] = block.lines;
  doc.font('Helvetica-Bold').fontSize(9).fillColor(COLOR.muted).text(block.title, x, where.y, { width });
  doc.moveDown(0.3);
  doc.font('Helvetica-Bold').fontSize(10).fillColor(COLOR.text).text(name ?? '', x, doc.y, { width });
  doc.font('Helvetica');
  for (const line of rest) doc.text(line, x, doc.y, { width });
  return doc.y;
}

function drawLines(doc: Doc, view: InvoiceView): void {
  drawTableHeader(doc, view);
  for (const line of view.lines) {
    const height = rowHeight(doc, line);
    if (doc.y + height > pageBottom(doc)) startContinuationPage(doc, view);
    drawRow(doc, line, height);
    rule(doc, doc.y, COLOR.rule);
  }
}

function startContinuationPage(doc: Doc, view: InvoiceView): void {
  doc.addPage();
  doc.font('Helvetica').fontSize(9).fillColor(COLOR.muted).text(`${view.title} (continued)`, MARGIN, MARGIN);
  doc.moveDown(1);
  drawTableHeader(doc, view);
}

function drawTableHeader(doc: Doc, view: InvoiceView): void {
  doc.font('Helvetica-Bold').fontSize(9);
  const height = doc.currentLineHeight() + 2 * ROW_PADDING;
  doc.rect(MARGIN, doc.y, CONTENT_WIDTH, height).fill(COLOR.band);
  doc.fillColor(COLOR.muted);
  drawRow(doc, view.columns, height);
  doc.font('Helvetica').fontSize(10).fillColor(COLOR.text);
}

function drawRow(doc: Doc, cells: LineRow, height: number): void {
  const top = doc.y;
  let x = MARGIN;
  for (const column of COLUMNS) {
    doc.text(cells[column.key], x + ROW_PADDING, top + ROW_PADDING, { width: column.width - 2 * ROW_PADDING, align: column.align });
    x += column.width;
  }
  doc.text('', MARGIN, top + height);
}

function rowHeight(doc: Doc, line: LineRow): number {
  const heights = COLUMNS.map((column) => doc.heightOfString(line[column.key], { width: column.width - 2 * ROW_PADDING }));
  return Math.max(...heights) + 2 * ROW_PADDING;
}

function drawTotals(doc: Doc, view: InvoiceView): void {
  const rows = [view.subtotal, ...view.taxRows];
  const needed = (rows.length + 3) * 20 + (view.taxNote === null ? 0 : 40);
  if (doc.y + needed > pageBottom(doc)) doc.addPage();
  doc.moveDown(0.8);
  doc.font('Helvetica').fontSize(10).fillColor(COLOR.text);
  for (const row of rows) drawTotalRow(doc, row);
  rule(doc, doc.y + 2, COLOR.text, MARGIN + CONTENT_WIDTH - 250);
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12);
  drawTotalRow(doc, view.total);
  if (view.receipt !== null) {
    doc.font('Helvetica').fontSize(10).fillColor(COLOR.good);
    doc.text(view.receipt, MARGIN + CONTENT_WIDTH - 250, doc.y, { width: 250, align: 'right' });
  }
  if (view.taxNote !== null) drawTaxNote(doc, view.taxNote);
}

function drawTotalRow(doc: Doc, row: LabelledValue): void {
  const y = doc.y;
  const valueWidth = 110;
  const labelX = MARGIN + CONTENT_WIDTH - 250;
  doc.text(row.label, labelX, y, { width: 250 - valueWidth - 10, align: 'left' });
  const labelBottom = doc.y;
  doc.text(row.value, MARGIN + CONTENT_WIDTH - valueWidth, y, { width: valueWidth, align: 'right' });
  doc.text('', MARGIN, Math.max(labelBottom, doc.y) + 4);
}

function drawTaxNote(doc: Doc, note: string): void {
  doc.moveDown(1.2).font('Helvetica-Oblique').fontSize(9).fillColor(COLOR.muted);
  doc.text(note, MARGIN, doc.y, { width: CONTENT_WIDTH });
}

function drawFooters(doc: Doc, view: InvoiceView): void {
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    // Writing inside the bottom margin would make pdfkit start a new page; lift the margin first.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const footer = `${view.seller.lines[0] ?? ''} · ${view.title} · Page ${index + 1} of ${range.count}`;
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

/** Every string of the view folded to what the built-in font can print (the structure stays). */
function printable<T>(value: T): T {
  if (typeof value === 'string') return toWinAnsi(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => printable(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, printable(item)])) as T;
  }
  return value;
}

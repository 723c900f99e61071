import { formatDate } from '../../format.js';

/** Words for invoices, shared by the invoice list and an invoice's own page. */
export function invoiceKindLabel(kind: string): string {
  return kind === 'period' ? 'Subscription' : kind === 'credit_purchase' ? 'Credit purchase' : kind;
}

export function invoiceStatusLabel(status: string): string {
  return status === 'paid' ? 'Paid' : status === 'open' ? 'Open (unpaid)' : status === 'void' ? 'Void' : status;
}

/** The tag's class for an invoice status: paid is good news, open waits for money. */
export function invoiceStatusTag(status: string): string {
  return `tag${status === 'paid' ? ' tag-ok' : status === 'open' ? ' tag-warn' : ''}`;
}

export function formatPeriod(start: string, end: string): string {
  return `${formatDate(start)} – ${formatDate(end)}`;
}

export function invoicePath(id: string): string {
  return `/billing/invoices/${encodeURIComponent(id)}`;
}

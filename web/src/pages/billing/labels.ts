import { formatDate } from '../../format.js';
import type { StatusTone } from '../../../../src/domain/invoice-presentation.js';

/** An invoice's tones (invoice-presentation.ts), and bad news for a declined or failed payment. */
export type TagTone = StatusTone | 'bad';

/** The tag's class for a tone: paid is good news, due waits for money, a decline is bad news. */
export function statusTagClass(tone: TagTone): string {
  return { good: 'tag tag-ok', attention: 'tag tag-warn', neutral: 'tag', bad: 'tag tag-bad' }[tone];
}

/** A subscription period as the Subscription section shows it (its end is the renewal date). */
export function formatPeriod(start: string, end: string): string {
  return `${formatDate(start)} – ${formatDate(end)}`;
}

export function invoicePath(id: string): string {
  return `/billing/invoices/${encodeURIComponent(id)}`;
}

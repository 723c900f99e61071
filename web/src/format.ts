const money = new Map<string, Intl.NumberFormat>();

/** 123456 cents → "$1,234.56". */
export function formatMoney(cents: number, currency = 'USD'): string {
  let format = money.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    money.set(currency, format);
  }
  return format.format(cents / 100);
}

/** 12345 → "12,345". */
export function formatCredits(credits: number): string {
  return credits.toLocaleString('en-US');
}

// Dates and times are shown in the viewer's own time zone (the browser's); exports keep UTC.
const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

/** "Feb 28, 2026", the day in the viewer's time zone. */
export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/** "Feb 28, 2026, 05:00 AM EST": a time is always labelled with the zone it is shown in. */
export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

/**
 * "2026-02-03" → the start of that day in the viewer's time zone (the zone the table's times are
 * shown in), or of the next day for an exclusive end. Days are counted on the calendar, not as 24
 * hours, so a day with a daylight-saving change is whole too.
 */
export function dayBoundary(day: string, next: boolean): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const start = new Date(0);
  // setFullYear, not the Date constructor, which would read the years 0–99 as 1900–1999.
  start.setFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (next ? 1 : 0));
  start.setHours(0, 0, 0, 0);
  return Number.isNaN(start.getTime()) ? null : start.toISOString();
}

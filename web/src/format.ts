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

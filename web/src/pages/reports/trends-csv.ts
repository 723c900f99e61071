import type { UsageTrends } from '../../types.js';
import { dayInput, lastInstant } from './report-range.js';
import { seriesName } from './series.js';

const COLUMNS = ['bucket_start', 'interval', 'group_by', 'group', 'name', 'credits', 'tokens', 'requests'] as const;

/** A cell that a spreadsheet would run as a formula (OWASP "CSV injection"), as the server's exports treat it (billing/csv.ts). */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== value ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The chart's data as CSV: one line per series and bucket, oldest first, with the bucket's start in
 * UTC (ISO 8601), whatever the viewer's time zone, so that exports from anywhere agree.
 */
export function trendsCsv(trends: UsageTrends): string {
  const lines = [COLUMNS.join(',')];
  for (const series of trends.series) {
    const name = seriesName(trends.group_by, series);
    for (const point of series.points) {
      lines.push([point.start, trends.interval, trends.group_by, series.key ?? '', name, point.credits, point.tokens, point.requests].map(cell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function trendsCsvName(trends: UsageTrends): string {
  return `ai-credits-by-${trends.group_by}-${dayInput(trends.from)}-to-${dayInput(lastInstant(trends.to))}.csv`;
}

/** Saves the CSV as a download, made in the page (the chart's data is already here). */
export function downloadCsv(name: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken the data by the next task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

import { Readable } from 'node:stream';
import type { Db } from '../db/database.js';
import { streamUsage, type UsageFilter, type UsageListRow } from '../db/usage.js';
import { csvStringifier } from './csv.js';

/** A usage row as the API, the CSV and the export show it. */
export function usageItem(row: UsageListRow) {
  return {
    id: row.usage_id,
    occurred_at: row.occurred_at.toISOString(),
    user_id: row.user_id,
    user_name: row.user_name,
    action: row.action,
    feature: row.feature,
    tokens: row.tokens,
    credits: row.credits,
    charged: row.charged_credits,
    uncollected: row.uncollected_credits,
  };
}

export const USAGE_CSV_COLUMNS = ['id', 'occurred_at', 'user_id', 'user_name', 'action', 'feature', 'tokens', 'credits', 'charged', 'uncollected'] as const;

/** Usage as CSV, read in bounded batches and streamed, so memory stays flat at any size. */
export function usageCsvStream(db: Db, filter: UsageFilter): Readable {
  const csv = csvStringifier(USAGE_CSV_COLUMNS);
  const rows = Readable.from(
    (async function* () {
      for await (const row of streamUsage(db, filter)) yield usageItem(row);
    })(),
  );
  rows.on('error', (error) => csv.destroy(error));
  return rows.pipe(csv);
}

import { sql } from 'kysely';
import type { Db } from './database.js';
import type { UsageRow } from './schema.js';

export interface UsageFilter {
  readonly orgId: string;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  readonly userId?: string | undefined;
  readonly feature?: string | undefined;
  readonly action?: string | undefined;
}

/**
 * The action filter's pattern: an action matches when it contains the text, in any case ("chat"
 * finds "Chat reply" and "group-chat"). %, _ and \ typed by a person are themselves, not wildcards.
 */
export function actionContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Position after which the next page starts (newest first: occurred_at, then usage_id, both descending). */
export interface UsageCursor {
  readonly occurredAt: Date;
  readonly usageId: string;
}

export const USAGE_COLUMNS = [
  'usage_id',
  'occurred_at',
  'user_id',
  'user_name',
  'action',
  'feature',
  'tokens',
  'credits',
  'charged_credits',
  'uncollected_credits',
] as const;

export type UsageListRow = Pick<UsageRow, (typeof USAGE_COLUMNS)[number]>;

/** One page of usage, newest first, by keyset so that deep pages cost what the first one does. */
export async function listUsage(db: Db, filter: UsageFilter, page: { limit: number; after?: UsageCursor | undefined }): Promise<UsageListRow[]> {
  let query = db.selectFrom('usage_records').select(USAGE_COLUMNS).where('org_id', '=', filter.orgId);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<', filter.to);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.feature !== undefined) query = query.where('feature', '=', filter.feature);
  if (filter.action !== undefined) query = query.where('action', 'ilike', actionContains(filter.action));
  const after = page.after;
  if (after) query = query.where(sql<boolean>`(occurred_at, usage_id) < (${after.occurredAt}, ${after.usageId})`);
  return query.orderBy('occurred_at', 'desc').orderBy('usage_id', 'desc').limit(page.limit).execute();
}

/** Every matching row, newest first, fetched in bounded batches so memory stays flat at any size. */
export async function* streamUsage(db: Db, filter: UsageFilter, batchSize = 1_000): AsyncGenerator<UsageListRow> {
  let after: UsageCursor | undefined;
  for (;;) {
    const rows = await listUsage(db, filter, { limit: batchSize, after });
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) return;
    after = { occurredAt: last.occurred_at, usageId: last.usage_id };
  }
}

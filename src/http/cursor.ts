import { invalidFields } from '../domain/failures.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './validation.js';

/** Opaque page cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number' | 'timestamp')[]): (string | number)[] {
  const fits = (part: unknown, kind: (typeof shape)[number]) =>
    kind === 'timestamp'
      ? typeof part === 'string' && Date.parse(part) >= EARLIEST_TIMESTAMP && Date.parse(part) < LATEST_TIMESTAMP
      : kind === 'number'
        ? Number.isSafeInteger(part)
        : typeof part === 'string' && !part.includes('\u0000');
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === shape.length && key.every((part, index) => fits(part, shape[index]!))) return key;
  } catch {
    // falls through to the 422 below
  }
  throw invalidFields({ cursor: ['is not a cursor this list gave out'] });
}

/**
 * One page out of `limit + 1` rows fetched by keyset: the first `limit`, and the cursor of the last
 * one when there was more.
 */
export function pageOf<Row>(rows: readonly Row[], limit: number, keyOf: (row: Row) => readonly (string | number)[]): { page: Row[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

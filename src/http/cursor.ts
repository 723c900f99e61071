import { invalidFields } from '../domain/failures.js';

/** Opaque page cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number' | 'timestamp')[]): (string | number)[] {
  const fits = (part: unknown, kind: (typeof shape)[number]) =>
    kind === 'timestamp'
      ? typeof part === 'string' && !Number.isNaN(Date.parse(part))
      : typeof part === kind && !(typeof part === 'string' && part.includes('\u0000'));
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === shape.length && key.every((part, index) => fits(part, shape[index]!))) return key;
  } catch {
    // falls through to the 422 below
  }
  throw invalidFields({ cursor: ['is not a cursor this list gave out'] });
}

import { stringify, type Stringifier } from 'csv-stringify';

/**
 * A cell that starts with one of these is run as a formula by spreadsheet programs (OWASP's "CSV
 * injection"): `=HYPERLINK(…)` from a user name would reach whoever opens the export.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** OWASP's rule: such a cell gets a leading single quote, so it is shown as text, and is quoted. */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Every CSV the service writes goes through here: a header row and neutralised text cells. */
export function csvStringifier(columns: readonly string[]): Stringifier {
  return stringify({
    header: true,
    columns: [...columns],
    cast: { string: (value) => ({ value: neutraliseFormula(value), quoted: FORMULA_START.test(value) }) },
  });
}

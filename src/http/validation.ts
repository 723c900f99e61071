import { Ajv, type Options } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators: bodies are taken as sent (a string "5" is not a number), while path and query
 * strings are coerced to the types their schemas name. Both report every bad field at once.
 */
const shared: Options = { allErrors: true, strict: false, removeAdditional: false, useDefaults: true };
// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const bodyAjv = withTimestamps(addFormats(new Ajv({ ...shared, coerceTypes: false })));
const stringAjv = withTimestamps(addFormats(new Ajv({ ...shared, coerceTypes: 'array' })));

/** Sane bounds for any timestamp the API takes: usage, expiries, filters, the test clock. */
export const EARLIEST_TIMESTAMP = Date.parse('2000-01-01T00:00:00Z');
export const LATEST_TIMESTAMP = Date.parse('2200-01-01T00:00:00Z');
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * RFC 3339 date-times that JavaScript can represent (no leap second "23:59:60", no 31 February)
 * between 2000 and 2200; anything else would reach the database as an invalid date.
 */
function withTimestamps(ajv: Ajv): Ajv {
  return ajv.addFormat('date-time', {
    type: 'string',
    validate: (value: string) => {
      if (!RFC3339.test(value)) return false;
      const time = Date.parse(value);
      if (Number.isNaN(time) || time < EARLIEST_TIMESTAMP || time >= LATEST_TIMESTAMP) return false;
      // Date.parse rolls 2026-02-31 over to March; the calendar date must survive the round trip.
      const [date] = value.split('T');
      const offset = /([+-]\d{2}):(\d{2})$/.exec(value);
      const offsetMs = offset ? (Number(offset[1]) * 60 + Math.sign(Number(offset[1])) * Number(offset[2])) * 60_000 : 0;
      return new Date(time + offsetMs).toISOString().slice(0, 10) === date;
    },
  });
}

interface WellFormedError {
  instancePath: string;
  keyword: 'wellFormed';
  message: string;
  params: Record<string, never>;
  schemaPath: string;
}

/**
 * JSON may spell a lone UTF-16 surrogate ("\ud800"), which no schema keyword refuses and PostgreSQL
 * cannot store. Every string (and key) of a body must be well-formed Unicode text.
 */
/** With the u flag a surrogate pair is one code point, so this matches only a lone surrogate. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Walks the body without recursion: a body nested 10,000 levels deep must not overflow the stack. */
function illFormedStrings(body: unknown): WellFormedError[] {
  const errors: WellFormedError[] = [];
  const error = (at: string): WellFormedError => ({ instancePath: at, keyword: 'wellFormed', message: 'must be valid Unicode text (it holds a lone surrogate)', params: {}, schemaPath: '#' });
  const pending: [unknown, string][] = [[body, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) errors.push(error(path));
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push([item, `${path}/${index}`]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const at = `${path}/${key.replace(new RegExp(LONE_SURROGATE, 'gu'), '\uFFFD')}`;
        if (LONE_SURROGATE.test(key)) errors.push(error(at));
        else pending.push([item, at]);
      }
    }
  }
  return errors;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  if (httpPart !== 'body') return stringAjv.compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
  // Only bodies need the Unicode check: a decoded URL never holds a lone surrogate.
  const validate = bodyAjv.compile(schema);
  const checked = Object.assign(
    (data: unknown) => {
      const valid = validate(data);
      const illFormed = illFormedStrings(data);
      checked.errors = illFormed.length === 0 ? validate.errors : [...(validate.errors ?? []), ...illFormed];
      return valid && illFormed.length === 0;
    },
    { errors: null as unknown },
  );
  return checked as unknown as ReturnType<FastifySchemaCompiler<object>>;
};

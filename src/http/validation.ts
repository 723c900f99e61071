import { Ajv, type Options } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
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
/** ajv-formats' own full RFC 3339 date-time check: calendar dates, offsets of any minutes, t/z in either case. */
const isRfc3339DateTime = (fullFormats['date-time'] as { validate: (value: string) => boolean }).validate;

/**
 * RFC 3339 date-times (ajv-formats' check) that JavaScript can represent, from 2000-01-01 up to but
 * not including 2200-01-01 (the documented range of every timestamp the API takes). A leap second
 * ("23:59:60") is valid RFC 3339 but no JavaScript date, so it is refused rather than moved.
 */
function withTimestamps(ajv: Ajv): Ajv {
  return ajv.addFormat('date-time', {
    type: 'string',
    validate: (value: string) => {
      if (!isRfc3339DateTime(value)) return false;
      const time = Date.parse(value);
      return !Number.isNaN(time) && time >= EARLIEST_TIMESTAMP && time < LATEST_TIMESTAMP;
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

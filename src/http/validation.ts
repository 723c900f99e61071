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

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : stringAjv;
  return ajv.compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
};

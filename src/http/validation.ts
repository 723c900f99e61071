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
const bodyAjv = addFormats(new Ajv({ ...shared, coerceTypes: false }));
const stringAjv = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : stringAjv;
  return ajv.compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
};

import fc from 'fast-check';

/**
 * fast-check arbitraries built from the JSON schemas of the OpenAPI document: values the schema
 * accepts (with its boundaries), values just outside it, and "anything" a hostile client might send.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

/**
 * A piece of JSON text written as is: what JSON.stringify cannot write (1e400, -0, 2^53 + 1 exactly,
 * 10,000 levels of nesting) or would make a counterexample unreadable (60 KiB strings).
 */
export class RawJson {
  constructor(
    readonly text: string,
    readonly label: string,
  ) {}
  [fc.toStringMethod](): string {
    return `RawJson(${this.label})`;
  }
}

/** JSON text of a generated value; RawJson leaves are spliced in verbatim. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : toJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) parts.push(`${JSON.stringify(key)}:${toJson(item)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const KIB = 1024;
const raw = (text: string, label = text) => new RawJson(text, label);

export const DEEP_ARRAYS = raw(`${'['.repeat(10_000)}${']'.repeat(10_000)}`, '[ × 10,000 ]');
export const DEEP_OBJECTS = raw(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, '{"a": × 10,000 }');
const BIG_ASCII = raw(JSON.stringify('x'.repeat(60 * KIB)), '"x" × 60 KiB');
const BIG_UNICODE = raw(JSON.stringify('é'.repeat(30 * KIB)), '"é" × 30 Ki (60 KiB of UTF-8)');
const OVER_LIMIT = raw(JSON.stringify('y'.repeat(65 * KIB)), '"y" × 65 KiB (over the body limit)');

/** Strings that have broken parsers, databases and renderers before. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f',
  '\t\r\n',
  '\u202Eevil\u202C',
  '\u200F\u05E9\u05DC\u05D5\u05DD',
  'مرحبا بالعالم',
  '🧑‍🔬👩🏽‍💻🏳️‍🌈',
  'e\u0301\u0301\u0301',
  '\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  '\u2028\u2029',
  '\\',
  '"',
  "'; drop table orgs; --",
  '%00',
  '%E0%A4%A',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '1e400',
  '9007199254740993',
  '-0',
  '0x10',
  ' 5',
  '5 ',
  'true',
  '[]',
  '{}',
  '２０２６',
  'İıſK',
  'x'.repeat(201),
];

/** Numbers at and beyond the edges of doubles, integers and PostgreSQL's integer types. */
export const NASTY_NUMBERS: readonly unknown[] = [
  0,
  raw('-0'),
  -1,
  1.5,
  -0.5,
  0.1,
  Number.MIN_VALUE,
  Number.EPSILON,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  raw('9007199254740993', '2^53 + 1'),
  raw('-9007199254740993', '-(2^53 + 1)'),
  raw('9223372036854775807', '2^63 - 1'),
  raw('9223372036854775808', '2^63'),
  raw('123456789012345678901234567890'),
  1e308,
  -1e308,
  raw('1e400'),
  raw('-1e400'),
  raw('1e-400'),
  raw('1.0'),
  raw('1E2'),
  100_000_001,
  10_000_001,
];

/** Any JSON at all, weighted towards values that break things. */
export function anything(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(DEEP_ARRAYS, DEEP_OBJECTS, BIG_ASCII, BIG_UNICODE, OVER_LIMIT) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

// ---------------------------------------------------------------------------------------------
// Values the schema accepts, with its boundaries

/** Date-times around the edges the API draws (2000 … 2200), the calendar and RFC 3339's syntax. */
const DATE_TIMES: readonly string[] = [
  '2026-01-31T10:00:00.000Z',
  '2026-01-31T10:00:00Z',
  '2026-01-31T10:00:00.123456789Z',
  '2026-01-31t10:00:00z',
  '2026-01-31T23:30:00+14:00',
  '2026-01-31T00:00:00-12:00',
  '2000-01-01T00:00:00Z',
  '1999-12-31T23:59:59Z',
  '2199-12-31T23:59:59Z',
  '2200-01-01T00:00:00Z',
  '2024-02-29T12:00:00Z',
  '2026-02-29T12:00:00Z',
  '2026-06-30T23:59:60Z',
  '2026-13-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '2026-01-31T10:00:00',
  '2026-01-31',
  '2026-01-31T10:00:00+25:00',
];

function dateTime(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...DATE_TIMES) },
    { weight: 2, arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }).map((date) => date.toISOString()) },
  );
}

/** Webhook URLs: only ever this machine's discard port, so a delivery attempt fails at once. */
function webhookUrl(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('http://127.0.0.1:9/hook', 'HTTP://127.0.0.1:9/', 'https://user:pass@127.0.0.1:9/a?b=c#d', 'http://[::1]:9/🧑‍🔬', 'http://127.0.0.1:9/' + 'p'.repeat(1_970), 'https://', 'http:/x', 'ftp://127.0.0.1/'),
    fc.tuple(fc.webPath(), fc.webQueryParameters()).map(([path, query]) => `http://127.0.0.1:9${path}?${query}`),
  );
}

function email(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.emailAddress() },
    { weight: 1, arbitrary: fc.constantFrom('a@b.co', 'ops@example.test', 'ÿ@例え.テスト', 'not-an-email', '@example.test', 'a@b', `${'l'.repeat(64)}@example.test`, `${'l'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(57)}.test`) },
  ).map((value) => (value.length > maxLength + 1 ? value.slice(0, maxLength + 1) : value));
}

/** One character of a `[...]` class: the class's own ASCII, and any code point it also admits. */
function classUnit(characterClass: string): fc.Arbitrary<string> {
  const single = new RegExp(`^${characterClass}$`, 'u');
  const options: fc.WeightedArbitrary<string>[] = [{ weight: 3, arbitrary: fc.stringMatching(single) }];
  // A negated class admits nearly every code point: draw from all of them (a filter that rarely fails).
  if (characterClass.startsWith('[^')) options.push({ weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((char) => single.test(char)) });
  const specials = ['é', '🧑‍🔬', '\u202E', '\u0000', '\u00A0', 'ß', '\uFEFF', '中'].filter((char) => single.test(char));
  if (specials.length > 0) options.push({ weight: 1, arbitrary: fc.constantFrom(...specials) });
  return fc.oneof(...options);
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 300;
  if (schema.format === 'date-time') return dateTime();
  if (schema.format === 'email') return email(maxLength);
  if (schema.format === 'uri') return webhookUrl();
  const repeated = schema.pattern ? /^\^(\[(?:\\.|[^\]])+\])([*+])\$$/.exec(schema.pattern) : null;
  let unit: fc.Arbitrary<string> | 'binary' | 'grapheme' = 'binary';
  let min = minLength;
  if (repeated) {
    unit = classUnit(repeated[1]!);
    if (repeated[2] === '+') min = Math.max(min, 1);
  } else if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    return fc.stringMatching(pattern).filter((value) => value.length >= minLength && value.length <= maxLength);
  }
  const freeUnit = unit;
  return fc.oneof(
    { weight: 5, arbitrary: fc.string({ unit: freeUnit, minLength: min, maxLength: Math.max(min, Math.min(maxLength, 24)) }) },
    { weight: 1, arbitrary: fc.string({ unit: freeUnit, minLength: maxLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: freeUnit, minLength: min, maxLength: min }) },
  );
}

function integerOf(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? Number.MIN_SAFE_INTEGER;
  const max = schema.maximum ?? Number.MAX_SAFE_INTEGER;
  const edges = [min, max, min + 1, max - 1, 0, 1, 100].filter((value) => value >= min && value <= max);
  return fc.oneof({ weight: 3, arbitrary: fc.integer({ min, max }) }, { weight: 2, arbitrary: fc.constantFrom(...edges) });
}

function numberOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? -Number.MAX_VALUE;
  const max = schema.maximum ?? Number.MAX_VALUE;
  return fc.oneof(
    { weight: 2, arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }) },
    { weight: 2, arbitrary: fc.integer({ min: Math.max(min, -1_000_000), max: Math.min(max, 1_000_000) }) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(0, 1, 99, 100, 100.5, 1_000, 99_999.99, 100_000, 100_001, 1e308, 2 ** 53, raw('9007199254740993', '2^53 + 1'), raw('-0'), 1e-7) },
  );
}

export interface Hints {
  /** Values to use for properties of these names (ids of real rows, known test cards …). */
  readonly properties?: Readonly<Record<string, readonly unknown[]>>;
}

/** Values the schema (mostly) accepts; hinted properties often take one of the hinted values. */
export function validValue(schema: JsonSchema, hints: Hints = {}, name?: string): fc.Arbitrary<unknown> {
  const hinted = name === undefined ? undefined : hints.properties?.[name];
  const plain = plainValid(schema, hints);
  if (hinted && hinted.length > 0) return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...hinted) }, { weight: 1, arbitrary: plain });
  return plain;
}

function plainValid(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((branch) => validValue(branch, hints)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return objectOf(schema, hints);
    case 'array': {
      const items = schema.items ? validValue(schema.items, hints) : anything();
      const constraints = { minLength: schema.minItems ?? 0, maxLength: schema.maxItems ?? 5 };
      return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (item) => toJson(item) }) : fc.array(items, constraints);
    }
    case 'string':
      return stringOf(schema);
    case 'integer':
      return integerOf(schema);
    case 'number':
      return numberOf(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anything();
  }
}

function objectOf(schema: JsonSchema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) {
    const values = typeof schema.additionalProperties === 'object' ? validValue(schema.additionalProperties, hints) : anything();
    return fc.dictionary(fc.string({ maxLength: 10 }), values, { maxKeys: 4 });
  }
  const model = Object.fromEntries(names.map((name) => [name, validValue(properties[name]!, hints, name)]));
  const record = fc.record(model, { requiredKeys: (schema.required ?? []).filter((name) => names.includes(name)) }) as fc.Arbitrary<Record<string, unknown>>;
  const minProperties = schema.minProperties ?? 0;
  return minProperties > 0 ? record.filter((value) => Object.keys(value).length >= minProperties) : record;
}

// ---------------------------------------------------------------------------------------------
// Values just outside the schema

/** Values the schema refuses: its bounds ± 1, wrong lengths, wrong types. */
export function invalidValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const near: unknown[] = [];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined) near.push(schema.minimum - 1, schema.minimum - 0.5);
    if (schema.maximum !== undefined) near.push(schema.maximum + 1, schema.maximum + 0.5);
    near.push(String(schema.minimum ?? 1), 0.5);
  }
  if (type === 'string') {
    if (schema.minLength !== undefined && schema.minLength > 0) near.push('z'.repeat(schema.minLength - 1));
    if (schema.maxLength !== undefined) near.push('z'.repeat(schema.maxLength + 1), '🧑'.repeat(schema.maxLength + 1));
    if (schema.enum) near.push(...schema.enum.map((value) => String(value).toUpperCase()), ...schema.enum.map((value) => ` ${String(value)}`));
    near.push(123);
  }
  if (type === 'array') near.push(schema.maxItems === undefined ? 'not a list' : Array.from({ length: schema.maxItems + 1 }, () => 'a@b.co'), { 0: 'x' });
  if (type === 'boolean') near.push('true', 1, 0);
  if (type === 'object') near.push([], 'object');
  return near.length > 0 ? fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...near) }, { weight: 1, arbitrary: anything() }) : anything();
}

type Path = readonly (string | number)[];

/** Every property path of an object schema, nested objects included. */
function propertyPaths(schema: JsonSchema, prefix: Path = []): { path: Path; schema: JsonSchema }[] {
  const found: { path: Path; schema: JsonSchema }[] = [];
  const branches = schema.anyOf ?? schema.oneOf;
  for (const branch of branches ?? []) found.push(...propertyPaths(branch, prefix));
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, name];
    found.push({ path, schema: property }, ...propertyPaths(property, path));
  }
  return found;
}

function withAt(value: unknown, path: Path, replacement: unknown | typeof DROP): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const base = value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson) ? { ...(value as Record<string, unknown>) } : {};
  const next = withAt(base[head as string], rest, replacement);
  if (next === DROP) delete base[head as string];
  else base[head as string] = next;
  return base;
}

const DROP = Symbol('drop');

/** Unknown keys a client might add, including ones that target prototypes. */
const UNKNOWN_KEYS = fc.oneof(
  fc.constantFrom('is_admin', '__proto__', 'constructor', 'prototype', 'org_id', 'id', '', ' ', 'a\u0000b', '🧑‍🔬', 'TOKENS', 'nested'),
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** A valid value with one or more things wrong with it. */
export function mutatedValue(schema: JsonSchema, hints: Hints = {}): fc.Arbitrary<unknown> {
  const base = validValue(schema, hints);
  const paths = propertyPaths(schema);
  const required = paths.filter(({ path }) => path.length > 0);
  const mutation: fc.Arbitrary<(value: unknown) => unknown>[] = [
    // an unknown field, at the top or in a nested object
    fc.tuple(UNKNOWN_KEYS, anything(), fc.constantFrom<Path>([], ...paths.filter(({ schema: s }) => s.type === 'object').map(({ path }) => path))).map(
      ([key, extra, at]) =>
        (value: unknown) =>
          withAt(value, [...at, key], extra),
    ),
    // a non-object body
    fc.constantFrom<unknown>([], null, 'a string', 42, true, DEEP_ARRAYS, DEEP_OBJECTS).map((body) => () => body),
  ];
  if (required.length > 0) {
    const at = fc.constantFrom(...required);
    // a field dropped (required or not), a field of the wrong type or just outside its bounds
    mutation.push(at.map(({ path }) => (value: unknown) => withAt(value, path, DROP)));
    mutation.push(fc.tuple(at, fc.constant(null)).chain(([{ path, schema: s }]) => invalidValue(s).map((bad) => (value: unknown) => withAt(value, path, bad))));
    mutation.push(fc.tuple(at, anything()).map(([{ path }, bad]) => (value: unknown) => withAt(value, path, bad)));
  }
  return fc.tuple(base, fc.array(fc.oneof(...mutation), { minLength: 1, maxLength: 3 })).map(([value, changes]) => changes.reduce((current, change) => change(current), value));
}

/** A body for a schema: valid, mutated, or anything at all. */
export function bodyValue(schema: JsonSchema, hints: Hints = {}): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: validValue(schema, hints) }, { weight: 4, arbitrary: mutatedValue(schema, hints) }, { weight: 1, arbitrary: anything() });
}

// ---------------------------------------------------------------------------------------------
// Query strings

export interface QueryParameter {
  readonly name: string;
  readonly required?: boolean;
  readonly schema: JsonSchema;
}

/** A query value as a client would write it (booleans and numbers as text). */
function asQueryText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (typeof value === 'string') return value;
  return toJson(value);
}

const QUERY_GARBAGE = fc.constantFrom('', '%', '%zz', '%E0%A4%A', '%00', '+', '%20', '1e3', '1.5', '-1', '0', 'NaN', 'Infinity', '-0', '0x10', '9007199254740993', '1e400', 'x'.repeat(10_000), '%F0%9F%A7%91', '%E2%80%AE');

/** encodeURIComponent, except that a lone surrogate goes as UTF-8's replacement character. */
export function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
}

/** One key=value pair, value encoded unless it is raw percent-garbage. */
type Pair = readonly [key: string, value: string, encoded: boolean];

function parameterPairs(parameter: QueryParameter, hints: Hints): fc.Arbitrary<Pair[]> {
  const valid = validValue(parameter.schema, hints, parameter.name).map((value): Pair[] => [[parameter.name, asQueryText(value), true]]);
  const invalid = fc.oneof(invalidValue(parameter.schema), anything()).map((value): Pair[] => [[parameter.name, value instanceof RawJson ? value.label : asQueryText(value), true]]);
  const garbage = QUERY_GARBAGE.map((value): Pair[] => [[parameter.name, value, false]]);
  const repeated = fc.tuple(validValue(parameter.schema, hints, parameter.name), validValue(parameter.schema, hints, parameter.name)).map(([a, b]): Pair[] => [
    [parameter.name, asQueryText(a), true],
    [parameter.name, asQueryText(b), true],
  ]);
  const missing = fc.constant<Pair[]>([]);
  return fc.oneof(
    { weight: parameter.required ? 1 : 4, arbitrary: missing },
    { weight: 5, arbitrary: valid },
    { weight: 2, arbitrary: invalid },
    { weight: 1, arbitrary: garbage },
    { weight: 1, arbitrary: repeated },
  );
}

/** A query string (without "?") from an operation's query parameters, with unknown keys sometimes. */
export function queryString(parameters: readonly QueryParameter[], hints: Hints = {}): fc.Arbitrary<string> {
  const unknown = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('org', '__proto__', 'limit[]', 'a.b', '', 'sort', 'cursor'), fc.string({ minLength: 1, maxLength: 8 })), fc.string({ maxLength: 8 })).map(([key, value]): Pair => [key, value, true]),
    { maxLength: 2 },
  );
  return fc.tuple(fc.tuple(...parameters.map((parameter) => parameterPairs(parameter, hints))), fc.oneof({ weight: 4, arbitrary: fc.constant<Pair[]>([]) }, { weight: 1, arbitrary: unknown })).map(([known, extra]) =>
    [...known.flat(), ...extra]
      .map(([key, value, encoded]) => `${encode(key)}=${encoded ? encode(value) : value}`)
      .join('&'),
  );
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';

/**
 * The layout STYLE.md promises, checked on the source: only src/db/ writes SQL (so its file names say
 * what touches each table), and src/domain/ stays pure (no database, web framework, use case or I/O),
 * so the web app can import it for previews.
 */
const SRC = path.join(PROJECT_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') && !file.endsWith('.test.ts') ? [file] : [];
  });
}

/** Comments may name a query builder call or the `sql` tag; only code counts. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const SQL_PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'a Kysely query builder call', pattern: /\.(selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto|executeQuery)\s*[(<]/ },
  { what: 'the sql template tag', pattern: /\bsql\s*(<[^`]*?>)?\s*`|\bsql\.(raw|ref|table|id|lit|val|join)\s*\(/ },
  { what: 'a compiled query', pattern: /\bCompiledQuery\b/ },
  { what: 'an SQL statement in a string', pattern: /['"`]\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|BEGIN\b|COMMIT\b|ROLLBACK\b|SET\s+LOCAL\s|CREATE\s+(TABLE|DATABASE|INDEX)\s|ALTER\s+TABLE\s|DROP\s+(TABLE|DATABASE)\s)/ },
];

/** What in this source writes SQL, by kind; empty when nothing does. */
function sqlIn(text: string): string[] {
  const code = withoutComments(text);
  return SQL_PATTERNS.filter(({ pattern }) => pattern.test(code)).map(({ what }) => what);
}

/** Modules the pure domain may not import: the database, the web framework, other layers, and I/O. */
const IMPURE_IMPORT =
  /^(\.\.\/(db|http|billing|ledger|jobs|cli|providers|notifications|identity|audit)\/|(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster|readline)$|kysely$|pg$|fastify$|@fastify\/)/;

function importsOf(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);
}

function impureImports(text: string): string[] {
  return importsOf(text).filter((specifier) => IMPURE_IMPORT.test(specifier));
}

const relative = (file: string) => path.relative(PROJECT_ROOT, file);

describe('layout', () => {
  it('only src/db/ writes SQL', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.startsWith(path.join(SRC, 'db') + path.sep))
      .flatMap((file) => sqlIn(readFileSync(file, 'utf8')).map((what) => `${relative(file)}: ${what}`));
    expect(offenders).toEqual([]);
  });

  it('the SQL check sees the SQL of src/db/', () => {
    const seen = new Set(sourceFiles(path.join(SRC, 'db')).flatMap((file) => sqlIn(readFileSync(file, 'utf8'))));
    expect([...seen].sort()).toEqual(SQL_PATTERNS.map(({ what }) => what).sort());
  });

  it('the SQL check finds each kind of SQL, and not the words in comments or prose', () => {
    expect(sqlIn("const row = await tx.selectFrom('orgs').select('org_id').executeTakeFirst();")).toEqual(['a Kysely query builder call']);
    expect(sqlIn("await deps.db\n  .updateTable('invoices')\n  .set({ next_attempt_at: null })")).toEqual(['a Kysely query builder call']);
    expect(sqlIn('const { rows } = await sql<{ n: number }>`SELECT 1 AS n`.execute(db);')).toEqual(['the sql template tag', 'an SQL statement in a string']);
    expect(sqlIn('await sql.raw(text).execute(db);')).toEqual(['the sql template tag']);
    expect(sqlIn("await client.query('ROLLBACK');")).toEqual(['an SQL statement in a string']);
    expect(sqlIn("// the org row is locked with selectFrom('orgs') … forUpdate, see `sql` in db/\nconst x = 1;")).toEqual([]);
    expect(sqlIn("/** Inserts with insertInto('events') */\nthrow new Failure('INVALID', 'Select a plan first.');")).toEqual([]);
  });

  it('src/domain/ imports nothing from db/, http/, billing/, ledger/ or other layers, nor node I/O', () => {
    const offenders = sourceFiles(path.join(SRC, 'domain')).flatMap((file) => impureImports(readFileSync(file, 'utf8')).map((specifier) => `${relative(file)}: ${specifier}`));
    expect(offenders).toEqual([]);
  });

  it('src/cli/ calls use cases, never the database: no import of db/ or kysely (STYLE.md)', () => {
    const offenders = sourceFiles(path.join(SRC, 'cli')).flatMap((file) => importsOf(readFileSync(file, 'utf8')).filter((specifier) => /^\.\.\/db\/|^kysely$/.test(specifier)).map((specifier) => `${relative(file)}: ${specifier}`));
    expect(offenders).toEqual([]);
  });

  it('the purity check finds an import of the database, a use case, the web framework or file I/O', () => {
    const sample = [
      "import type { Db } from '../db/database.js';",
      "import { purchaseCredits } from '../billing/purchase-credits.js';",
      "import { readFile } from 'node:fs/promises';",
      "import type { FastifyInstance } from 'fastify';",
      "import { randomBytes } from 'node:crypto';",
      "import { periodAt } from './periods.js';",
    ].join('\n');
    expect(impureImports(sample)).toEqual(['../db/database.js', '../billing/purchase-credits.js', 'node:fs/promises', 'fastify']);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';

/**
 * No module of src/ imports itself back through others, type-only imports included (issue 13: the
 * ledger kernel must not know its use cases; the old billing/ cycle ran through ten files). A depth-
 * first walk of the relative imports: a graph has no cycle exactly when the walk meets no back edge.
 */
function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.endsWith('.test.ts')) {
        const imports = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)];
        graph.set(file, imports.map((match) => path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts'))));
      }
    }
  };
  walk(root);
  return graph;
}

function findCycles(graph: ReadonlyMap<string, readonly string[]>, root: string): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((item) => path.relative(root, item)).join(' → '));
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

describe('imports', () => {
  const root = path.join(PROJECT_ROOT, 'src');

  it('src/ has no import cycle', () => {
    expect(findCycles(importGraph(root), root)).toEqual([]);
  });

  it('the check finds a cycle when there is one', () => {
    const graph = new Map([
      ['/x/a.ts', ['/x/b.ts']],
      ['/x/b.ts', ['/x/c.ts']],
      ['/x/c.ts', ['/x/a.ts']],
      ['/x/d.ts', ['/x/a.ts']],
    ]);
    expect(findCycles(graph, '/x')).toEqual(['a.ts → b.ts → c.ts → a.ts']);
  });
});

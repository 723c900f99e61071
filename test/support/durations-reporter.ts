import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Writes how long each test file took (its tests and hooks, as vitest measures them) to
 * test-artifacts/test-durations.json, merged with the files of other runs of the same `npm test`
 * (the crash suite runs on its own). `npm run test:table` puts them in the README's test table.
 */
export const DURATIONS_FILE = path.join('test-artifacts', 'test-durations.json');

export class DurationsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (testModules.length === 0) return;
    const root = testModules[0]!.project.config.root;
    const file = path.join(root, DURATIONS_FILE);
    let known: Record<string, number> = {};
    try {
      known = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      // First run: nothing to merge with.
    }
    for (const module of testModules) known[path.relative(root, module.moduleId)] = Math.round(module.diagnostic().duration);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(Object.fromEntries(Object.entries(known).sort()), null, 2)}\n`);
  }
}

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

/** Leaves a suite's figures in test-artifacts/reliability/<name>.json for `npm run reliability:report`. */
export function recordFigures(name: string, figures: Record<string, number>): void {
  const dir = path.join(PROJECT_ROOT, 'test-artifacts', 'reliability');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}

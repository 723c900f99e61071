import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest test files (docs/test-time.md), longest first. They start first, so that none of them
 * is left running alone at the end of the run while the other workers have nothing to do. On a clean
 * clone vitest has no timings of its own, and a file's size says little about its time.
 */
const SLOWEST_FIRST = [
  'test/cli.test.ts',
  'test/fuzz.test.ts',
  'test/concurrency.test.ts',
  'test/validation-framing.test.ts',
  'test/browser/accessibility.test.ts',
  'test/browser/first-time-admin.test.ts',
  'test/browser/help-page.test.ts',
  'test/money-model.test.ts',
  'test/browser/credits-and-reports.test.ts',
  'test/embedded-postgres.test.ts',
  'test/browser/billing-money.test.ts',
  'test/browser/pricing-and-shell.test.ts',
  'test/sdk/generated-types.test.ts',
  'test/two-servers.test.ts',
];

export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = SLOWEST_FIRST.indexOf(path.relative(file.project.config.root, file.moduleId));
      return index === -1 ? SLOWEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the other files keep vitest's own order after these.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

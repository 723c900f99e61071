import { defineConfig } from 'vitest/config';
import { DurationsReporter } from './test/support/durations-reporter.js';
import { SlowestFirstSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    sequence: { sequencer: SlowestFirstSequencer },
    reporters: ['default', new DurationsReporter()],
  },
});

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

const run = promisify(execFile);

it("the integration guide's code blocks are the example host app's code (node scripts/sync-integration-guide.mjs refreshes them)", async () => {
  const result = await run(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'sync-integration-guide.mjs'), '--check']).catch((error: { stdout: string; stderr: string }) => error);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/docs\/integration\.md: \d+ code blocks, all the example's code/);
});

import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

const run = promisify(execFile);
const GENERATOR = path.join(PROJECT_ROOT, 'sdk', 'scripts', 'generate-types.mjs');
const GENERATED = path.join(PROJECT_ROOT, 'sdk', 'src', 'generated', 'openapi.ts');

/** The generator reads the OpenAPI document from the built server (dist/), as `npm test` builds it first. */
async function check(file: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [GENERATOR, '--check', '--file', file]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe("the SDK's generated types", () => {
  it("match the server's OpenAPI document (run `npm run generate -w @loupe-billing/client` after changing a route schema)", async () => {
    const result = await check(GENERATED);
    expect(result.output).toContain('match the server');
    expect(result.code).toBe(0);
  });

  it('are reported out of date when a route schema and the file disagree', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'sdk-types-'));
    try {
      const drifted = path.join(directory, 'openapi.ts');
      await copyFile(GENERATED, drifted);
      const text = await readFile(drifted, 'utf8');
      await writeFile(drifted, text.replace('held_credits: number;', 'held_credits: string;'));
      const result = await check(drifted);
      expect(result.code).toBe(1);
      expect(result.output).toContain('out of date');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

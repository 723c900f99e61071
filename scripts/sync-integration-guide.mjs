#!/usr/bin/env node
// The integration guide shows the example host app's own code: each code block after a marker
// `<!-- code: examples/host-app/src/app.ts#ask -->` is that file's `// #region ask` … `// #endregion ask`.
// Without arguments this rewrites the blocks from the files; with --check it exits 1 when one differs.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const guidePath = path.join(root, 'docs', 'integration.md');
const MARKER = /<!-- code: ([^#\s]+)#([\w-]+) -->\n```(\w+)\n([\s\S]*?)```/g;

async function region(file, name) {
  const lines = (await readFile(path.join(root, file), 'utf8')).split('\n');
  const start = lines.findIndex((line) => line.trim() === `// #region ${name}`);
  const end = lines.findIndex((line) => line.trim() === `// #endregion ${name}`);
  if (start < 0 || end < start) throw new Error(`${file} has no region "${name}"`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((line) => line.trim()).map((line) => line.match(/^ */)[0].length));
  return body.map((line) => line.slice(indent)).join('\n') + '\n';
}

const guide = await readFile(guidePath, 'utf8');
const stale = [];
let synced = guide;
for (const match of guide.matchAll(MARKER)) {
  const [block, file, name, language, code] = match;
  const wanted = await region(file, name);
  if (code !== wanted) stale.push(`${file}#${name}`);
  synced = synced.replace(block, `<!-- code: ${file}#${name} -->\n\`\`\`${language}\n${wanted}\`\`\``);
}
const blocks = [...guide.matchAll(MARKER)].length;
if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    console.error(`docs/integration.md differs from the example in: ${stale.join(', ')} (run node scripts/sync-integration-guide.mjs)`);
    process.exit(1);
  }
  console.log(`docs/integration.md: ${blocks} code blocks, all the example's code.`);
} else {
  await writeFile(guidePath, synced);
  console.log(`docs/integration.md: ${blocks} code blocks synced (${stale.length} changed).`);
}

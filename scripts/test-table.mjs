#!/usr/bin/env node
// Puts each test file's duration from the last `npm test` (test-artifacts/test-durations.json, written
// by test/support/durations-reporter.ts) in the README's test table, and names the test files that
// no row of the table covers. Usage: npm run test:table
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const durations = JSON.parse(readFileSync(path.join(root, 'test-artifacts', 'test-durations.json'), 'utf8'));
const present = Object.entries(durations).filter(([file]) => existsSync(path.join(root, file)));
const readmePath = path.join(root, 'README.md');
const lines = readFileSync(readmePath, 'utf8').split('\n');

const header = lines.findIndex((line) => /^\| file \| covers \|( time \|)?$/.test(line));
if (header === -1) throw new Error('README.md has no "| file | covers |" table');
lines[header] = '| file | covers | time |';
lines[header + 1] = '|---|---|---:|';

/** A cell's paths: `test/x.test.ts`, or a pattern with * standing for any part of one name. */
const patterns = (cell) => [...cell.matchAll(/`([^`]+\.test\.ts)`/g)].map((match) => new RegExp(`^${match[1].replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`));
const seconds = (ms) => (ms < 100 ? '<0.1 s' : `${(ms / 1000).toFixed(1)} s`);
const covered = new Set();
for (let index = header + 2; index < lines.length && lines[index].startsWith('|'); index += 1) {
  const cells = lines[index].split(' | ');
  const first = cells[0].replace(/^\| /, '');
  const matching = present.filter(([file]) => patterns(first).some((pattern) => pattern.test(file)));
  for (const [file] of matching) covered.add(file);
  const time = matching.length === 0 ? '–' : seconds(matching.reduce((sum, [, ms]) => sum + ms, 0));
  const covers = lines[index].replace(/^\| [^|]*\| /, '').replace(/ \| [^|]*\|$/, '').replace(/ \|$/, '');
  lines[index] = `| ${first} | ${covers} | ${time} |`;
}
writeFileSync(readmePath, lines.join('\n'));
const missing = present.map(([file]) => file).filter((file) => !covered.has(file));
console.log(`README test table: ${covered.size} files timed${missing.length ? `; not in the table: ${missing.join(', ')}` : ''}`);

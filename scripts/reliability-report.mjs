// Rewrites the figures block of docs/reliability.md from the JSON the suites leave in
// test-artifacts/reliability/ (faults, fuzz, isolation, sign-in, ssrf, money-model). Run after `npm test`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const dir = 'test-artifacts/reliability';
const read = (name) => (existsSync(`${dir}/${name}.json`) ? JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8')) : null);
const faults = read('faults');
const fuzz = read('fuzz');
const isolation = read('isolation');
const signIn = read('sign-in');
const ssrf = read('ssrf');
const model = read('money-model');
const rows = [
  ['server kills survived (SIGKILL under load)', faults?.kills],
  ['requests acknowledged during the kills', faults?.acknowledged],
  ['requests retried with the same key', faults?.retries],
  ['acknowledged requests lost', faults?.lost],
  ['requests charged twice', faults?.doubled],
  ['PostgreSQL restarts under load', faults?.postgresRestarts],
  ['fuzz requests sent', fuzz?.requests],
  ['operations fuzzed', fuzz?.operations],
  ['5xx answers found by the fuzzer', fuzz?.server_errors],
  ['4xx answers not in problem+json', fuzz?.non_problem_4xx],
  ['refused requests that still wrote something', fuzz?.partial_writes],
  ['tenant isolation checks', isolation?.checks],
  ['operations swept for isolation', isolation?.operations],
  ['simultaneous sign-in guesses for one e-mail', signIn?.simultaneous_guesses],
  ['passwords checked among them (lockout at 5)', signIn?.passwords_checked],
  ['private webhook targets refused (creation and delivery)', ssrf?.refused],
  ['private webhook targets reached', ssrf?.reached],
  ['random money sequences checked against the reference model', model?.sequences],
  ['steps compared with the model', model?.steps],
  ['disagreements with the model', model?.disagreements],
];
const table = ['| figure | last run |', '|---|---:|', ...rows.map(([label, value]) => `| ${label} | ${value ?? 'not run'} |`)].join('\n');
const doc = readFileSync('docs/reliability.md', 'utf8');
const start = '<!-- figures:start -->';
const end = '<!-- figures:end -->';
const stamp = `Figures from the run of ${new Date().toISOString().slice(0, 10)} (\`npm test\`, then \`npm run reliability:report\`).`;
writeFileSync('docs/reliability.md', doc.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n${stamp}\n\n${table}\n${end}`));
console.log(table);

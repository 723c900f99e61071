import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { record } from './support/metering.js';
import { addCard } from './support/billing.js';
import { neutraliseFormula } from '../src/billing/csv.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.expectCleanAudit();
  await h.close();
});

describe('CSV formula injection (issue 12.9)', () => {
  it('OWASP’s rule: a cell starting with = + - @ tab or CR gets a leading quote; anything else is left alone', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(neutraliseFormula(`${start}1+1`)).toBe(`'${start}1+1`);
    for (const safe of ['alice', '1-2', 'a=b', '', ' =x']) expect(neutraliseFormula(safe)).toBe(safe);
  });

  it('usage.csv shows hostile user ids, names and actions as text, never as formulas', async () => {
    const org = await h.createOrg();
    await record(h, org, { tokens: 100, user_id: '=HYPERLINK("http://evil.test","x")', action: '@SUM(A1)' } as never);
    await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: 'csv-2', user_id: '+cmd', user_name: '-2+3', feature: 'assistant', action: 'chat', tokens: 5 });
    await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: 'csv-3', user_id: 'plain', user_name: '\tTabbed', feature: 'assistant', action: 'chat', tokens: 5 });
    const response = await h.api('GET', `/v1/orgs/${org}/usage.csv`);
    expect(response.statusCode).toBe(200);
    const csv = response.body;
    for (const cell of [`"'=HYPERLINK(""http://evil.test"",""x"")"`, `"'@SUM(A1)"`, `"'+cmd"`, `"'-2+3"`, `"'\tTabbed"`]) expect(csv).toContain(cell);
    // No cell of any row starts with a formula character, quoted or not.
    expect(csv.split('\n').filter((line) => /(^|,)"?[=+\-@\t\r]/.test(line))).toEqual([]);
  });
});

describe('a lone surrogate in any text field is a 422 naming it (issue 12.12)', () => {
  it('POST /v1/orgs and PATCH /v1/orgs/{org} with "\\ud800" in the billing address', async () => {
    const body = '{"name":"Bad","plan":"starter","billing_address":{"country":"US","region":"CA","city":"\\ud800"},"admin":{"email":"lone@surrogate.test","name":"A\\udfff"}}';
    const created = await h.app.inject({ method: 'POST', url: '/v1/orgs', headers: { authorization: `Bearer ${(await import('./support/harness.js')).PLATFORM_KEY}`, 'content-type': 'application/json' }, payload: body });
    expect(created.statusCode, created.body).toBe(422);
    expect(Object.keys(created.json().errors).sort()).toEqual(['admin.name', 'billing_address.city']);
    const org = await h.createOrg();
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/orgs/${org}`,
      headers: { authorization: `Bearer ${(await import('./support/harness.js')).PLATFORM_KEY}`, 'content-type': 'application/json' },
      payload: '{"billing_address":{"country":"US","line1":"x\\ud800y"}}',
    });
    expect(patched.statusCode, patched.body).toBe(422);
    expect(Object.keys(patched.json().errors)).toEqual(['billing_address.line1']);
    expect((await h.api('POST', `/v1/orgs/${org}/members`, { email: 'ok@surrogate.test', name: 'Emoji 🧑‍🔬 pairs are fine', role: 'member', password: 'member-password' })).statusCode).toBe(201);
  });
});

describe('simultaneous card changes (issue 12.11)', () => {
  it('six simultaneous saves give six cards and exactly one default', async () => {
    const org = await h.createOrg();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => h.api('POST', `/v1/orgs/${org}/payment-methods`, { card_number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' })),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([201, 201, 201, 201, 201, 201]);
    const cards = (await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items as { default: boolean }[];
    expect(cards).toHaveLength(6);
    expect(cards.filter((card) => card.default)).toHaveLength(1);
  });

  it('removing every card but one at once leaves the survivor as the default, every time', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const org = await h.createOrg();
      const cards = [];
      for (let index = 0; index < 3; index += 1) cards.push(await addCard(h, org));
      const answers = await Promise.all(cards.slice(0, 2).map((card) => h.api('DELETE', `/v1/orgs/${org}/payment-methods/${card.id}`)));
      expect(answers.map((answer) => answer.statusCode)).toEqual([204, 204]);
      const left = (await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items as { id: string; default: boolean }[];
      expect(left).toEqual([expect.objectContaining({ id: cards[2]!.id, default: true })]);
    }
  });

  it('simultaneous “make default” calls never 500 and leave one default', async () => {
    const org = await h.createOrg();
    const cards = [];
    for (let index = 0; index < 4; index += 1) cards.push(await addCard(h, org));
    const answers = await Promise.all([...cards, ...cards].map((card) => h.api('POST', `/v1/orgs/${org}/payment-methods/${card.id}/default`)));
    expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
    const listed = (await h.api('GET', `/v1/orgs/${org}/payment-methods`)).json().items as { default: boolean }[];
    expect(listed.filter((card) => card.default)).toHaveLength(1);
  });
});

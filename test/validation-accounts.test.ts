import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { expectInvalid, expectProblem } from './support/problems.js';
import { STARTER_CREDITS, grantBody, newOrgBody, memberBody, orgProbes } from './support/validation.js';

/**
 * "Every endpoint validates its body, query and path: wrong types, missing fields, negative or
 * fractional tokens, tokens above a sane limit (100,000,000), unknown feature, unknown org,
 * oversized bodies (limit 64 KiB), malformed JSON → 4xx problem+json naming every bad field.
 * Never a 500, never a partial write." (SPEC)
 *
 * This file: grants, new orgs, members and settings.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());
const { getJson, count, snapshot, expectNothingCharged } = orgProbes(() => h);

describe('POST /v1/orgs/{org}/grants', () => {
  it.each([
    ['fractional credits', { credits: 1.5 }, 'credits'],
    ['credits as a string', { credits: '50' }, 'credits'],
    ['null credits', { credits: null }, 'credits'],
    ['credits above 10,000,000', { credits: 10_000_001 }, 'credits'],
    ['credits below -10,000,000', { source: 'adjustment', credits: -10_000_001 }, 'credits'],
    ['a zero promotional grant', { credits: 0 }, 'credits'],
    ['a negative promotional grant', { credits: -5 }, 'credits'],
    ['an unknown source', { source: 'gift' }, 'source'],
    ['the plan as a source', { source: 'plan' }, 'source'],
    ['an empty reason', { reason: '' }, 'reason'],
    ['a reason over 500 characters', { reason: 'r'.repeat(501) }, 'reason'],
    ['a malformed expiry', { expires_at: 'next week' }, 'expires_at'],
    ['an expiry in the past', { expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
  ])('%s is refused and nothing is granted', async (_rule, change, field) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/grants`, grantBody(change)), field);
    expect(await snapshot(org)).toEqual(before);
    await expectNothingCharged(org);
  });

  it('several bad fields are all named, and nothing is granted', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'gift', credits: 1.5, expires_at: 'soon', bonus: true });
    expectInvalid(response, 'source', 'credits', 'expires_at', 'reason', 'bonus');
    await expectNothingCharged(org);
  });

  it('an adjustment that would take a bucket below zero is refused and changes nothing', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectProblem(await h.api('POST', `/v1/orgs/${org}/grants`, grantBody({ source: 'adjustment', credits: -(STARTER_CREDITS + 1) })), 422, 'INSUFFICIENT_CREDITS');
    expect(await snapshot(org)).toEqual(before);
  });
});

describe('POST /v1/orgs', () => {
  it('several bad fields, nested ones too, are all named and no org is created', async () => {
    const orgs = await count('orgs');
    const users = await count('users');
    const response = await h.api('POST', '/v1/orgs', {
      id: 'bad id!',
      name: '',
      plan: 7,
      billing_address: { country: 'usa', postal_code: '', planet: 'Mars' },
      vat_id: '!',
      admin: { email: 'not-an-email', name: '', password: 'short', role: 'owner' },
      color: 'red',
    });
    expectInvalid(
      response,
      'id',
      'name',
      'plan',
      'billing_address.country',
      'billing_address.postal_code',
      'billing_address.planet',
      'vat_id',
      'admin.email',
      'admin.name',
      'admin.password',
      'admin.role',
      'color',
    );
    expect(await count('orgs')).toBe(orgs);
    expect(await count('users')).toBe(users);
  });

  it('an empty object names every required field', async () => {
    expectInvalid(await h.api('POST', '/v1/orgs', {}), 'name', 'plan', 'billing_address', 'admin');
  });

  it('nested objects of the wrong type are named', async () => {
    expectInvalid(await h.api('POST', '/v1/orgs', newOrgBody({ billing_address: 'US', admin: ['admin@x.test'] })), 'billing_address', 'admin');
    expectInvalid(await h.api('POST', '/v1/orgs', newOrgBody({ billing_address: {}, admin: {} })), 'billing_address.country', 'admin.email', 'admin.name');
  });

  it('an unknown plan is refused, naming plan, and no org is created', async () => {
    const body = newOrgBody({ plan: 'platinum' });
    expectInvalid(await h.api('POST', '/v1/orgs', body), 'plan');
    expectProblem(await h.api('GET', `/v1/orgs/${body.id}`), 404, 'ORG_NOT_FOUND');
  });

  it('unicode and emoji in the org, address and admin names are kept as sent', async () => {
    const body = newOrgBody({
      name: '🦄 Ünïcødé 株式会社 — Zürich',
      billing_address: { country: 'CH', city: 'Zürich 🏔', line1: 'Bahnhofstraße 1' },
      admin: { email: `zoe-${Date.now().toString(36)}@validation.test`, name: '👩‍💻 Zoë Ångström', password: 'zoe-password' },
    });
    const response = await h.api('POST', '/v1/orgs', body);
    expect(response.statusCode, response.body).toBe(201);
    expect(await getJson(`/v1/orgs/${body.id}`)).toMatchObject({ name: body.name, billing_address: body.billing_address });
    const members = (await getJson(`/v1/orgs/${body.id}/members`)).items;
    expect(members).toEqual([expect.objectContaining({ name: '👩‍💻 Zoë Ångström' })]);
  });
});

describe('POST /v1/orgs/{org}/members', () => {
  it('several bad fields are all named and no member is added', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const response = await h.api('POST', `/v1/orgs/${org}/members`, { email: 'x', name: '', role: 'owner', password: 'short', team: 'a' });
    expectInvalid(response, 'email', 'name', 'role', 'password', 'team');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/members`, {}), 'email', 'name', 'role');
    expectInvalid(await h.api('POST', `/v1/orgs/${org}/members`, memberBody({ role: null, name: 5, email: ['a@b.test'] })), 'role', 'name', 'email');
    expect(await snapshot(org)).toEqual(before);
  });

  it('a member name with emoji is kept as sent', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/members`, memberBody({ name: '🧑‍🔬 Søren Kierkegaard' }));
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ name: '🧑‍🔬 Søren Kierkegaard', role: 'member' });
  });
});

describe('PUT settings', () => {
  it('ai-features: an unknown module is refused, named, and no module changes', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { telepathy: true } }), 'modules.telepathy');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { telepathy: false, reports: false } }), 'modules.telepathy');
    expect(await snapshot(org)).toEqual(before);
  });

  it('ai-features: wrong types are refused and named', async () => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: { assistant: 'yes', reports: 0, documents: null } }), 'modules.assistant', 'modules.reports', 'modules.documents');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: ['assistant'] }), 'modules');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: 'assistant' }), 'modules');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, {}), 'modules');
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/ai-features`, { modules: {}, assistant: true }), 'assistant');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each([
    ['a negative limit', { monthly_limit_credits: -1 }, ['monthly_limit_credits']],
    ['a fractional limit', { monthly_limit_credits: 1.5 }, ['monthly_limit_credits']],
    ['a limit as a string', { monthly_limit_credits: '100' }, ['monthly_limit_credits']],
    ['a limit above 100,000,000', { monthly_limit_credits: 100_000_001 }, ['monthly_limit_credits']],
    ['enabled as a string', { enabled: 'yes' }, ['enabled']],
    ['enabled as null', { enabled: null }, ['enabled']],
    ['both wrong and an extra field', { enabled: 1, monthly_limit_credits: -0.5, cap: 3 }, ['enabled', 'monthly_limit_credits', 'cap']],
    ['an empty body', {}, ['body']],
  ])('on-demand: %s is refused, named, and nothing changes', async (_rule, body, fields) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, body), ...fields);
    expect(await snapshot(org)).toEqual(before);
  });

  it.each([
    ['a negative threshold', { low_balance_threshold: -1 }, ['low_balance_threshold']],
    ['a fractional threshold', { low_balance_threshold: 1.5 }, ['low_balance_threshold']],
    ['a threshold as a string', { low_balance_threshold: '10' }, ['low_balance_threshold']],
    ['emails that are not a list', { emails: 'ops@example.test' }, ['emails']],
    ['a malformed e-mail', { emails: ['ops@example.test', 'not-an-email'] }, ['emails.1']],
    ['more than 20 e-mails', { emails: Array.from({ length: 21 }, (_, i) => `ops${i}@example.test`) }, ['emails']],
    ['everything wrong at once', { low_balance_threshold: -0.5, emails: [42], extra: true }, ['low_balance_threshold', 'emails.0', 'extra']],
    ['an empty body', {}, ['body']],
  ])('notifications: %s is refused, named, and nothing changes', async (_rule, body, fields) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api('PUT', `/v1/orgs/${org}/settings/notifications`, body), ...fields);
    expect(await snapshot(org)).toEqual(before);
  });
});

import { afterAll, beforeAll, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h.close());

it('explore', async () => {
  const org = await h.createOrg();
  const show = (label: string, r: { statusCode: number; body: string }) => console.log(label, r.statusCode, r.body.slice(0, 300));
  const base = { user_id: 'u1', feature: 'assistant', action: 'chat', tokens: 10 };
  show('nul', await h.api('POST', `/v1/orgs/${org}/ai/usage`, { ...base, idempotency_key: 'K1', user_name: 'a\u0000' }));
  show('retry', await h.api('POST', `/v1/orgs/${org}/ai/usage`, { ...base, idempotency_key: 'K1' }));
  show('leap', await h.api('POST', `/v1/orgs/${org}/ai/usage`, { ...base, idempotency_key: 'K2', occurred_at: '2025-12-31T23:59:60Z' }));
  show('retry', await h.api('POST', `/v1/orgs/${org}/ai/usage`, { ...base, idempotency_key: 'K2' }));
  show('org nul admin', await h.api('POST', '/v1/orgs', { id: 'nulorg', name: 'ok', plan: 'starter', billing_address: { country: 'US' }, admin: { email: 'n@b.test', name: 'A\u0000' } }));
  show('org get', await h.api('GET', '/v1/orgs/nulorg'));
  show('org nul name', await h.api('POST', '/v1/orgs', { id: 'nulorg2', name: 'o\u0000k', plan: 'starter', billing_address: { country: 'US' }, admin: { email: 'n2@b.test', name: 'A' } }));
  show('org get', await h.api('GET', '/v1/orgs/nulorg2'));
  show('member nul', await h.api('POST', `/v1/orgs/${org}/members`, { email: 'm@b.test', name: 'M\u0000', role: 'member' }));
  show('members', await h.api('GET', `/v1/orgs/${org}/members`));
  const users = await h.db.selectFrom('users').select(['email']).execute();
  console.log('users', users);
  show('org id nul member route', await h.api('POST', `/v1/orgs/%00/ai/usage`, { ...base, idempotency_key: 'K3' }));
  show('clock before', await h.api('GET', '/v1/test-clock'));
  show('clock leap', await h.api('POST', '/v1/test-clock/advance', { to: '2026-06-30T23:59:60Z' }));
  show('clock after', await h.api('GET', '/v1/test-clock'));
  show('balance after', await h.api('GET', `/v1/orgs/${org}/balance`));
});

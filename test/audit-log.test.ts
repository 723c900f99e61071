/**
 * The audit log (issue 16): each change writes one append-only entry in its transaction, with the
 * right actor (a session user or an API key, never a secret), readable by admins only, as JSON or CSV.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startHarness, PLATFORM_KEY, type Harness } from './support/harness.js';
import { addCard, CARDS, createOrgAt, invoices, purchase } from './support/billing.js';
import { advance } from './support/metering.js';
import { as, signIn } from './support/sessions.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

interface Entry {
  id: string;
  at: string;
  actor: { kind: string; id: string | null; name?: string };
  action: string;
  target: string | null;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  ip?: string;
  user_agent?: string;
}
const log = async (org: string, query = '') => {
  const response = await h.api('GET', `/v1/orgs/${org}/audit-log${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { items: Entry[] }).items;
};

describe('the audit log', () => {
  it('records who changed a setting (a signed-in admin, from where) with before and after; the API key by its id', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    const changed = await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: true, monthly_limit_credits: 500 }, { ...as(admin), 'user-agent': 'Audit test browser' });
    expect(changed.statusCode, changed.body).toBe(200);
    const [entry] = await log(org, '?action=settings');
    expect(entry).toMatchObject({
      action: 'settings.updated',
      target: 'on-demand',
      actor: { kind: 'user', name: 'Admin' },
      before: { on_demand_enabled: false, monthly_limit_credits: 0 },
      after: { on_demand_enabled: true, monthly_limit_credits: 500 },
      user_agent: 'Audit test browser',
      ip: expect.any(String),
    });
    expect(entry?.actor.id).toMatch(/^usr_|^u/);

    const key = await h.api('POST', '/v1/api-keys', { name: 'Host app' });
    expect(key.statusCode, key.body).toBe(201);
    const secret = (key.json() as { key: string; id: string }).key;
    expect((await h.api('PUT', `/v1/orgs/${org}/settings/user-limits`, { default_monthly_credits: 100, overrides: {} }, { authorization: `Bearer ${secret}` })).statusCode).toBe(200);
    const [limits] = await log(org, '?action=user_limits.updated');
    expect(limits).toMatchObject({ actor: { kind: 'api_key', id: (key.json() as { id: string }).id, name: 'Host app' }, after: { default_monthly_credits: 100 } });
    // Nothing secret anywhere in the log.
    const everything = JSON.stringify(await log(org));
    for (const secretValue of [secret, PLATFORM_KEY, admin.cookie.split('=')[1]!, admin.csrf]) expect(everything).not.toContain(secretValue);
  });

  it('writes exactly one entry per change: card, purchase, plan change, cancel, resume', async () => {
    const org = await createOrgAt(h, { plan: 'starter' });
    await addCard(h, org);
    expect((await purchase(h, org, 100)).statusCode).toBe(201);
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/change`, { plan: 'team' })).statusCode).toBe(202);
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/cancel`)).statusCode).toBe(202);
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/resume`)).statusCode).toBe(202);
    const actions = (await log(org)).map((entry) => entry.action).reverse();
    expect(actions).toEqual(['payment_method.added', 'purchase.created', 'subscription.change_requested', 'subscription.cancel_requested', 'subscription.resume_requested']);
    const card = (await log(org, '?action=payment_method')).at(0);
    expect(card?.after).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(JSON.stringify(card)).not.toContain('4242424242424242');
    // A refused change writes nothing.
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/change`, { plan: 'team' })).statusCode).toBe(422);
    expect(await log(org)).toHaveLength(5);
  });

  it('records members, invitations, webhook endpoints (never their secret), contracts and sign-ins, each once', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    const adminEmail = `admin@${org}.test`;
    await h.api('POST', '/v1/auth/login', { email: adminEmail, password: 'wrong-password' }, {});
    const admin = await signIn(h, adminEmail, 'admin-password');
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `ana@${org}.test`, name: 'Ana', role: 'member', password: 'member-password' });
    expect(added.statusCode, added.body).toBe(201);
    const invited = await h.api('POST', `/v1/orgs/${org}/members`, { email: `ben@${org}.test`, name: 'Ben', role: 'member' }, as(admin));
    expect(invited.statusCode, invited.body).toBe(201);
    const endpoint = await h.api('POST', `/v1/orgs/${org}/webhook-endpoints`, { url: 'https://hooks.example.com/loupe' });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    expect((await h.api('PUT', `/v1/orgs/${org}/contract`, { included_credits: 50_000 })).statusCode).toBe(200);
    const anaId = (added.json() as { user_id: string }).user_id;
    expect((await h.api('DELETE', `/v1/orgs/${org}/members/${anaId}`)).statusCode).toBe(204);
    const actions = (await log(org)).map((entry) => entry.action).sort();
    expect(actions).toEqual(['contract.set', 'invitation.created', 'member.added', 'member.removed', 'sign_in.failed', 'sign_in.succeeded', 'webhook_endpoint.added'].sort());
    const hook = (await log(org, '?action=webhook_endpoint')).at(0);
    expect(hook?.after).toEqual({ url: 'https://hooks.example.com/loupe', events: [] });
    expect(JSON.stringify(await log(org))).not.toContain((endpoint.json() as { secret: string }).secret);
    const [failed] = await log(org, '?action=sign_in.failed');
    expect(failed).toMatchObject({ actor: { kind: 'user', name: 'Admin' }, target: failed?.actor.id });
    const [invitation] = await log(org, '?action=invitation');
    expect(invitation).toMatchObject({ actor: { kind: 'user', name: 'Admin' }, after: { email: `ben@${org}.test`, role: 'member' } });
  });

  it('is append-only in the database, admins only, pages with a cursor and streams CSV', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    for (let i = 0; i < 3; i += 1) await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, { enabled: i % 2 === 0, monthly_limit_credits: i * 10 });
    await expect(sql`UPDATE audit_events SET action = 'x' WHERE org_id = ${org}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_events WHERE org_id = ${org}`.execute(h.db)).rejects.toThrow(/append-only/);
    const first = await h.api('GET', `/v1/orgs/${org}/audit-log?limit=2`);
    const page = first.json() as { items: Entry[]; next_cursor: string };
    expect(page.items).toHaveLength(2);
    const second = (await h.api('GET', `/v1/orgs/${org}/audit-log?limit=2&cursor=${page.next_cursor}`)).json() as { items: Entry[]; next_cursor: string | null };
    expect(second.items).toHaveLength(1);
    expect(new Set([...page.items, ...second.items].map((entry) => entry.id)).size).toBe(3);
    const csv = await h.api('GET', `/v1/orgs/${org}/audit-log`, undefined, { authorization: `Bearer ${PLATFORM_KEY}`, accept: 'text/csv' });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toBe('id,at,actor_kind,actor_id,actor_name,action,target,before,after,ip,user_agent');
    // The CSV download is itself an export, logged before the file is read: the newest line.
    const lines = csv.body.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain(',export.downloaded,audit_log,');
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `member@${org}.test`, name: 'Member', role: 'member', password: 'member-password' });
    expect(added.statusCode, added.body).toBe(201);
    const member = await signIn(h, `member@${org}.test`, 'member-password');
    expect((await h.api('GET', `/v1/orgs/${org}/audit-log`, undefined, as(member))).statusCode).toBe(403);
    expect((await h.api('GET', `/v1/orgs/${org}/audit-log?cursor=bm9wZQ`)).statusCode).toBe(422);
  });

  it('records grants, roles, invitations accepted and revoked, webhook endpoints removed, Pay now and exports, each once', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    const platform = { authorization: `Bearer ${PLATFORM_KEY}` };
    const since = (await log(org)).length;

    const grant = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'promotional', credits: 250, reason: 'Launch week' });
    expect(grant.statusCode, grant.body).toBe(201);
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `cy@${org}.test`, name: 'Cy', role: 'member', password: 'member-password' });
    const cy = (added.json() as { user_id: string }).user_id;
    expect((await h.api('PATCH', `/v1/orgs/${org}/members/${cy}`, { role: 'admin' }, as(admin))).json()).toEqual({ user_id: cy, role: 'admin' });
    // The same role again changes nothing and writes nothing.
    expect((await h.api('PATCH', `/v1/orgs/${org}/members/${cy}`, { role: 'admin' }, as(admin))).statusCode).toBe(200);
    const invited = await h.api('POST', `/v1/orgs/${org}/members`, { email: `dee@${org}.test`, name: 'Dee', role: 'member' });
    const token = /#token=(\S+)/.exec((invited.json() as { invitation: { accept_url: string } }).invitation.accept_url)?.[1];
    expect((await h.api('POST', '/v1/invitations/accept', { token, password: 'dees-password' }, {})).statusCode).toBe(200);
    const second = await h.api('POST', `/v1/orgs/${org}/members`, { email: `eve@${org}.test`, name: 'Eve', role: 'member' }, as(admin));
    const invitationId = (second.json() as { invitation: { id: string } }).invitation.id;
    expect((await h.api('DELETE', `/v1/orgs/${org}/invitations/${invitationId}`, undefined, as(admin))).statusCode).toBe(204);
    const endpoint = await h.api('POST', `/v1/orgs/${org}/webhook-endpoints`, { url: 'https://hooks.example.com/gone' });
    const endpointId = (endpoint.json() as { id: string }).id;
    expect((await h.api('DELETE', `/v1/orgs/${org}/webhook-endpoints/${endpointId}`, undefined, as(admin))).statusCode).toBe(204);
    expect((await h.api('DELETE', `/v1/orgs/${org}/webhook-endpoints/${endpointId}`, undefined, as(admin))).statusCode).toBe(404);
    expect((await h.api('GET', `/v1/orgs/${org}/export`, undefined, as(admin))).statusCode).toBe(200);
    expect((await h.api('GET', `/v1/orgs/${org}/export?format=zip`, undefined, platform)).statusCode).toBe(200);
    expect((await h.api('GET', `/v1/orgs/${org}/usage.csv`, undefined, as(admin))).statusCode).toBe(200);
    // Reading the usage as JSON is not an export.
    expect((await h.api('GET', `/v1/orgs/${org}/usage`, undefined, as(admin))).statusCode).toBe(200);

    const entries = (await log(org)).slice(0, -since || undefined).reverse();
    expect(entries.map((entry) => entry.action)).toEqual([
      'grant.added',
      'member.added',
      'member.role_changed',
      // Added by the platform key without a password: a member at once, who then sets one.
      'member.added',
      'invitation.accepted',
      'invitation.created',
      'invitation.revoked',
      'webhook_endpoint.added',
      'webhook_endpoint.removed',
      'export.downloaded',
      'export.downloaded',
      'export.downloaded',
    ]);
    const byAction = (action: string) => entries.filter((entry) => entry.action === action);
    expect(byAction('grant.added')[0]).toMatchObject({ actor: { kind: 'api_key' }, after: { source: 'promotional', credits: 250, reason: 'Launch week' } });
    expect(byAction('member.role_changed')[0]).toMatchObject({ actor: { kind: 'user', name: 'Admin' }, target: cy, before: { role: 'member' }, after: { role: 'admin' } });
    expect(byAction('invitation.accepted')[0]).toMatchObject({ actor: { kind: 'user', name: 'Dee' }, after: { email: `dee@${org}.test`, role: 'member' } });
    expect(byAction('invitation.revoked')[0]).toMatchObject({ target: invitationId, actor: { kind: 'user', name: 'Admin' } });
    expect(byAction('invitation.created')[0]).toMatchObject({ target: invitationId });
    expect(byAction('webhook_endpoint.removed')[0]).toMatchObject({ target: endpointId, before: { url: 'https://hooks.example.com/gone' } });
    expect(byAction('export.downloaded').map((entry) => [entry.actor.kind, entry.target, entry.after?.format])).toEqual([
      ['user', 'org', 'json'],
      ['api_key', 'org', 'zip'],
      ['user', 'usage', 'csv'],
    ]);
  });

  it('keeps the last admin an admin, and a member cannot change roles', async () => {
    const org = await createOrgAt(h, { plan: 'team' });
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    const adminId = (await h.api('GET', '/v1/auth/me', undefined, as(admin))).json().user.id as string;
    const demoted = await h.api('PATCH', `/v1/orgs/${org}/members/${adminId}`, { role: 'member' }, as(admin));
    expect(demoted.statusCode, demoted.body).toBe(409);
    expect(demoted.json()).toMatchObject({ code: 'LAST_ADMIN' });
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `fay@${org}.test`, name: 'Fay', role: 'member', password: 'member-password' });
    const fay = await signIn(h, `fay@${org}.test`, 'member-password');
    const fayId = (added.json() as { user_id: string }).user_id;
    expect((await h.api('PATCH', `/v1/orgs/${org}/members/${fayId}`, { role: 'admin' }, as(fay))).statusCode).toBe(403);
    expect((await h.api('PATCH', `/v1/orgs/${org}/members/usr_nobody`, { role: 'admin' }, as(admin))).statusCode).toBe(404);
    expect((await h.api('PATCH', `/v1/orgs/${org}/members/${fayId}`, { role: 'owner' }, as(admin))).statusCode).toBe(422);
    // Made an admin, Fay can read the log at once; the role change is in it.
    expect((await h.api('PATCH', `/v1/orgs/${org}/members/${fayId}`, { role: 'admin' }, as(admin))).statusCode).toBe(200);
    expect((await h.api('GET', `/v1/orgs/${org}/audit-log?action=member.role_changed`, undefined, as(fay))).json().items).toHaveLength(1);
  });

  it('records Pay now as requested, even when the card then declines', async () => {
    const org = await createOrgAt(h, { plan: 'starter' });
    await advance(h, { seconds: 1 });
    await addCard(h, org, CARDS.declined);
    const [open] = await invoices(h, org);
    expect(open?.status).toBe('open');
    expect((await h.api('POST', `/v1/orgs/${org}/invoices/${open!.id}/pay`)).statusCode).toBe(402);
    const [entry] = await log(org, '?action=invoice');
    expect(entry).toMatchObject({ action: 'invoice.pay_requested', target: open!.id, after: { total_cents: 4_900 } });
  });

  it("keeps the platform's own entries (API keys created and revoked) in the platform log, out of every org's", async () => {
    const created = await h.api('POST', '/v1/api-keys', { name: 'Rotated key' });
    const keyId = (created.json() as { id: string; key: string }).id;
    expect((await h.api('DELETE', `/v1/api-keys/${keyId}`)).statusCode).toBe(204);
    const platformLog = await h.api('GET', `/v1/audit-log?actor=${keyId}`);
    expect(platformLog.statusCode).toBe(200);
    const all = (await h.api('GET', '/v1/audit-log?limit=500')).json() as { items: Entry[] };
    const mine = all.items.filter((entry) => entry.target === keyId).map((entry) => [entry.action, entry.actor.kind]);
    expect(mine).toEqual([
      ['api_key.revoked', 'api_key'],
      ['api_key.created', 'api_key'],
    ]);
    expect(JSON.stringify(all)).not.toContain((created.json() as { key: string }).key);
    await expect(sql`UPDATE platform_audit_events SET action = 'x' WHERE target = ${keyId}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM platform_audit_events WHERE target = ${keyId}`.execute(h.db)).rejects.toThrow(/append-only/);
    const org = await createOrgAt(h, { plan: 'team' });
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    expect((await h.api('GET', '/v1/audit-log', undefined, as(admin))).statusCode).toBe(403);
  });
});

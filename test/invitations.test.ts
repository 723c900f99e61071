import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { as, sessionFrom, signIn } from './support/sessions.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

interface Invitation {
  id: string;
  email: string;
  accept_url?: string;
}

/** The invitation link as the invitee receives it: the kept e-mail, read with the platform key. */
async function invitationToken(org: string, email: string): Promise<string> {
  const emails = (await h.api('GET', `/v1/orgs/${org}/emails`)).json().items as { to: string; subject: string; body: string }[];
  const message = emails.find((item) => item.to === email && item.subject.startsWith('You are invited'));
  const token = /#token=(\S+)/.exec(message?.body ?? '')?.[1];
  expect(token, `no invitation e-mail to ${email}`).toBeDefined();
  return token!;
}

async function orgWithAdminSession(plan = 'starter') {
  const org = await h.createOrg({ plan });
  return { org, admin: await signIn(h, `admin@${org}.test`, 'admin-password') };
}

describe('account takeover by pre-registering an e-mail (issue 12.1)', () => {
  it('an org admin cannot give another person a password: the platform later creating an org for that e-mail gives the attacker nothing', async () => {
    const { org, admin } = await orgWithAdminSession();
    const victim = `victim-${org}@corp.test`;
    const withPassword = await h.api('POST', `/v1/orgs/${org}/members`, { email: victim, name: 'Victim', role: 'member', password: 'attacker-chose-this' }, as(admin));
    expect(withPassword.statusCode).toBe(422);
    expect(Object.keys(withPassword.json().errors)).toEqual(['password']);
    const invited = await h.api('POST', `/v1/orgs/${org}/members`, { email: victim, name: 'Victim', role: 'member' }, as(admin));
    expect(invited.statusCode, invited.body).toBe(201);
    expect(invited.json()).toMatchObject({ status: 'invited', user_id: null, existing_account: false, password_set: false });
    expect(invited.json().invitation.accept_url).toBeUndefined();

    const created = await h.api('POST', '/v1/orgs', {
      name: 'Victim Co',
      plan: 'starter',
      billing_address: { country: 'US', region: 'CA' },
      admin: { email: victim, name: 'Victim', password: 'victims-own-password' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().admin).toMatchObject({ status: 'added', existing_account: false, password_set: true });
    expect((await h.api('POST', '/v1/auth/login', { email: victim, password: 'attacker-chose-this' }, {})).statusCode).toBe(401);
    await signIn(h, victim, 'victims-own-password');
  });

  it('an admin cannot read the invitation link in the org’s e-mails; the platform key (the host app) can', async () => {
    const { org, admin } = await orgWithAdminSession();
    const email = `new-${org}@corp.test`;
    expect((await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'New', role: 'member' }, as(admin))).statusCode).toBe(201);
    const seenByAdmin = (await h.api('GET', `/v1/orgs/${org}/emails`, undefined, as(admin))).json().items as { to: string; body: string }[];
    const mail = seenByAdmin.find((item) => item.to === email);
    expect(mail?.body).not.toMatch(/token=/);
    expect(mail?.body).toMatch(/private invitation link/);
    expect(await invitationToken(org, email)).toMatch(/^lbi_/);
  });

  it('an existing account is added by the platform key with its own password unchanged, and the answer says so', async () => {
    const first = await h.createOrg();
    const second = await h.createOrg();
    const email = `admin@${first}.test`;
    const added = await h.api('POST', `/v1/orgs/${second}/members`, { email, name: 'Someone Else', role: 'member', password: 'a-new-password' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ status: 'added', existing_account: true, password_set: false, name: 'Admin' });
    await signIn(h, email, 'admin-password');
    expect((await h.api('POST', '/v1/auth/login', { email, password: 'a-new-password' }, {})).statusCode).toBe(401);

    const created = await h.api('POST', '/v1/orgs', { name: 'Third', plan: 'starter', billing_address: { country: 'US', region: 'CA' }, admin: { email, name: 'X', password: 'yet-another-one' } });
    expect(created.json().admin).toMatchObject({ status: 'added', existing_account: true, password_set: false });
    await signIn(h, email, 'admin-password');
  });

  it('an admin inviting someone with an account elsewhere never learns that account’s name', async () => {
    const elsewhere = await h.createOrg();
    const { org, admin } = await orgWithAdminSession();
    const invited = await h.api('POST', `/v1/orgs/${org}/members`, { email: `admin@${elsewhere}.test`, name: 'Typed By Admin', role: 'member' }, as(admin));
    expect(invited.json()).toMatchObject({ status: 'invited', existing_account: true, name: 'Typed By Admin' });
    expect(invited.body).not.toContain('"Admin"');
    expect(JSON.stringify((await h.api('GET', `/v1/orgs/${org}/members`, undefined, as(admin))).json())).not.toContain(`admin@${elsewhere}.test`);
  });
});

describe('accepting an invitation', () => {
  it('a new invitee chooses their password, joins with the invited role and is signed in; the link works once', async () => {
    const { org, admin } = await orgWithAdminSession();
    const email = `joiner-${org}@corp.test`;
    await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'Joiner', role: 'member' }, as(admin));
    const token = await invitationToken(org, email);
    const preview = await h.api('POST', '/v1/invitations/preview', { token }, {});
    expect(preview.json()).toMatchObject({ org: { id: org }, email, role: 'member', existing_account: false });
    expect((await h.api('GET', `/v1/orgs/${org}/invitations`, undefined, as(admin))).json().items).toHaveLength(1);

    const accepted = await h.api('POST', '/v1/invitations/accept', { token, password: 'joiners-password' }, {});
    const session = sessionFrom(accepted);
    expect(accepted.json().orgs).toEqual([{ id: org, name: `Org ${org}`, role: 'member' }]);
    expect((await h.api('GET', `/v1/orgs/${org}/balance`, undefined, as(session))).statusCode).toBe(200);
    await signIn(h, email, 'joiners-password');

    const again = await h.api('POST', '/v1/invitations/accept', { token, password: 'someone-elses' }, {});
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('INVITATION_INVALID');
    expect((await h.api('GET', `/v1/orgs/${org}/invitations`, undefined, as(admin))).json().items).toHaveLength(0);
  });

  it('an existing account must prove itself with its own password', async () => {
    const elsewhere = await h.createOrg();
    const { org, admin } = await orgWithAdminSession();
    const email = `admin@${elsewhere}.test`;
    await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'Other Admin', role: 'admin' }, as(admin));
    const token = await invitationToken(org, email);
    const wrong = await h.api('POST', '/v1/invitations/accept', { token, password: 'not-their-password' }, {});
    expect(wrong.statusCode).toBe(422);
    expect(Object.keys(wrong.json().errors)).toEqual(['password']);
    const accepted = await h.api('POST', '/v1/invitations/accept', { token, password: 'admin-password' }, {});
    expect(sessionFrom(accepted)).toBeDefined();
    expect((accepted.json().orgs as { id: string; role: string }[]).find((entry) => entry.id === org)?.role).toBe('admin');
  });

  it('an expired or withdrawn invitation cannot be accepted', async () => {
    const { org, admin } = await orgWithAdminSession();
    await h.api('POST', `/v1/orgs/${org}/members`, { email: `late-${org}@corp.test`, name: 'Late', role: 'member' }, as(admin));
    await h.api('POST', `/v1/orgs/${org}/members`, { email: `gone-${org}@corp.test`, name: 'Gone', role: 'member' }, as(admin));
    const late = await invitationToken(org, `late-${org}@corp.test`);
    const gone = await invitationToken(org, `gone-${org}@corp.test`);
    const listed = (await h.api('GET', `/v1/orgs/${org}/invitations`, undefined, as(admin))).json().items as Invitation[];
    const goneId = listed.find((item) => item.email === `gone-${org}@corp.test`)!.id;
    expect((await h.api('DELETE', `/v1/orgs/${org}/invitations/${goneId}`, undefined, as(admin))).statusCode).toBe(204);
    expect((await h.api('POST', '/v1/invitations/accept', { token: gone, password: 'password-123' }, {})).json().code).toBe('INVITATION_INVALID');
    h.clock.set(new Date(h.clock.now().getTime() + 8 * 24 * 60 * 60 * 1_000));
    expect((await h.api('POST', '/v1/invitations/accept', { token: late, password: 'password-123' }, {})).json().code).toBe('INVITATION_INVALID');
  });

  it('the platform key adds a new account without a password at once and e-mails it an invitation to choose one', async () => {
    const org = await h.createOrg();
    const email = `hostapp-${org}@corp.test`;
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'Via Host', role: 'member' });
    expect(added.json()).toMatchObject({ status: 'added', user_id: expect.any(String), password_set: false, invitation: { accept_url: expect.stringContaining('/accept-invitation#token=lbi_') } });
    expect((await h.api('GET', `/v1/orgs/${org}/members`)).json().items).toHaveLength(2);
    const token = await invitationToken(org, email);
    expect((await h.api('POST', '/v1/invitations/preview', { token }, {})).json().existing_account).toBe(false);
    const accepted = await h.api('POST', '/v1/invitations/accept', { token, password: 'chosen-by-me' }, {});
    expect(accepted.json().orgs).toEqual([{ id: org, name: `Org ${org}`, role: 'member' }]);
    await signIn(h, email, 'chosen-by-me');
    expect((await h.api('GET', `/v1/orgs/${org}/members`)).json().items).toHaveLength(2);
  });

  it('an org created with a new admin and no password has that admin, who is e-mailed an invitation to choose a password', async () => {
    const created = await h.api('POST', '/v1/orgs', { name: 'No Password Co', plan: 'starter', billing_address: { country: 'US', region: 'CA' }, admin: { email: 'nopass-admin@corp.test', name: 'Nopass' } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().admin).toMatchObject({ status: 'added', existing_account: false, password_set: false, invitation: { accept_url: expect.any(String) } });
    const org = created.json().id as string;
    const token = await invitationToken(org, 'nopass-admin@corp.test');
    sessionFrom(await h.api('POST', '/v1/invitations/accept', { token, password: 'admins-choice' }, {}));
    await signIn(h, 'nopass-admin@corp.test', 'admins-choice');
  });
});

describe('seats: members and open invitations within the users of the terms in force and scheduled (issue 12.10)', () => {
  it('a contract’s included_users is the limit', async () => {
    const org = await h.createOrg({ plan: 'team' });
    expect((await h.api('PUT', `/v1/orgs/${org}/contract`, { included_users: 2 })).statusCode).toBe(200);
    expect((await h.api('POST', `/v1/orgs/${org}/members`, { email: `one@${org}.test`, name: 'One', role: 'member', password: 'password-one' })).statusCode).toBe(201);
    const refused = await h.api('POST', `/v1/orgs/${org}/members`, { email: `two@${org}.test`, name: 'Two', role: 'member', password: 'password-two' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'PLAN_USER_LIMIT', detail: expect.stringContaining('includes 2 users') });
  });

  it('a scheduled downgrade’s limit applies at once to new members and invitations', async () => {
    const org = await h.createOrg({ plan: 'team' });
    for (let index = 0; index < 4; index += 1) {
      expect((await h.api('POST', `/v1/orgs/${org}/members`, { email: `m${index}@${org}.test`, name: 'M', role: 'member', password: 'member-password' })).statusCode).toBe(201);
    }
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/change`, { plan: 'starter' })).statusCode).toBe(202);
    expect((await h.api('GET', `/v1/orgs/${org}`)).json().subscription.scheduled_plan).toBe('starter');
    const refused = await h.api('POST', `/v1/orgs/${org}/members`, { email: `late@${org}.test`, name: 'Late', role: 'member' });
    expect(refused.json()).toMatchObject({ code: 'PLAN_USER_LIMIT', detail: expect.stringContaining('Starter plan includes 5 users') });
  });

  it('open invitations hold seats, and ten simultaneous adds for the last seats never pass the limit', async () => {
    const org = await h.createOrg({ plan: 'starter' });
    const { admin } = { admin: await signIn(h, `admin@${org}.test`, 'admin-password') };
    expect((await h.api('POST', `/v1/orgs/${org}/members`, { email: `i1@${org}.test`, name: 'I', role: 'member' }, as(admin))).statusCode).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => h.api('POST', `/v1/orgs/${org}/members`, { email: `c${index}@${org}.test`, name: 'C', role: 'member', password: 'member-password' })),
    );
    expect(answers.filter((answer) => answer.statusCode === 201)).toHaveLength(3);
    expect(answers.filter((answer) => answer.statusCode === 422).every((answer) => answer.json().code === 'PLAN_USER_LIMIT')).toBe(true);
    expect((await h.api('GET', `/v1/orgs/${org}/members`)).json().items).toHaveLength(4);
    const token = await invitationToken(org, `i1@${org}.test`);
    sessionFrom(await h.api('POST', '/v1/invitations/accept', { token, password: 'invitee-password' }, {}));
    expect((await h.api('GET', `/v1/orgs/${org}/members`)).json().items).toHaveLength(5);
    expect((await h.api('POST', `/v1/orgs/${org}/members`, { email: `over@${org}.test`, name: 'O', role: 'member' }, as(admin))).json().code).toBe('PLAN_USER_LIMIT');
  });
});

describe('removing a member', () => {
  it('frees the seat and ends their access to the org at once; someone in no other org is signed out; the last admin stays', async () => {
    const org = await h.createOrg({ plan: 'starter' });
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    const added = await h.api('POST', `/v1/orgs/${org}/members`, { email: `leaver@${org}.test`, name: 'Leaver', role: 'member', password: 'leaver-password' });
    const leaver = await signIn(h, `leaver@${org}.test`, 'leaver-password');
    expect((await h.api('GET', `/v1/orgs/${org}/balance`, undefined, as(leaver))).statusCode).toBe(200);
    expect((await h.api('DELETE', `/v1/orgs/${org}/members/${added.json().user_id}`, undefined, as(admin))).statusCode).toBe(204);
    expect((await h.api('GET', `/v1/orgs/${org}/balance`, undefined, as(leaver))).statusCode).toBe(401);
    expect((await h.api('DELETE', `/v1/orgs/${org}/members/${added.json().user_id}`, undefined, as(admin))).json().code).toBe('MEMBER_NOT_FOUND');
    const adminId = (await h.api('GET', '/v1/auth/me', undefined, as(admin))).json().user.id;
    const last = await h.api('DELETE', `/v1/orgs/${org}/members/${adminId}`, undefined, as(admin));
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('LAST_ADMIN');
  });
});

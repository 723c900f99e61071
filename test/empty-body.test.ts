import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, startHarness, type Harness } from './support/harness.js';
import { authorize } from './support/metering.js';

/**
 * A POST without a body is the same request whatever content type the client put on it: many HTTP
 * clients send `content-type: application/json` (or curl's form type) with an empty body. A route
 * that needs a body still refuses an empty one, naming each missing field.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const AUTH = { authorization: `Bearer ${PLATFORM_KEY}` };
/** What fetch and curl send for a POST with no body: a content length of 0, and often a type. */
const EMPTY_BODIES = [
  { name: 'application/json', headers: { 'content-type': 'application/json', 'content-length': '0' } },
  { name: 'application/json; charset=utf-8', headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' } },
  { name: 'application/x-www-form-urlencoded (curl -d "")', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' } },
  { name: 'text/plain', headers: { 'content-type': 'text/plain', 'content-length': '0' } },
  { name: 'no content type', headers: { 'content-length': '0' } },
] as const;

function postEmpty(url: string, headers: Record<string, string>) {
  return h.app.inject({ method: 'POST', url, headers: { ...AUTH, ...headers }, payload: '' });
}

describe.each(EMPTY_BODIES)('a body-less POST with an empty body sent as $name', ({ headers }) => {
  it('releases a hold', async () => {
    const org = await h.createOrg();
    const hold = await authorize(h, org);
    const response = await postEmpty(`/v1/orgs/${org}/ai/holds/${hold.hold_id}/release`, headers);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ hold_id: hold.hold_id, released_credits: hold.held_credits });
    await h.expectCleanAudit();
  });

  it('cancels the subscription, then resumes it', async () => {
    const org = await h.createOrg();
    const cancel = await postEmpty(`/v1/orgs/${org}/subscription/cancel`, headers);
    expect(cancel.statusCode, cancel.body).toBe(202);
    expect(cancel.json().pending_change).toMatchObject({ cancel_at_period_end: true });
    const resume = await postEmpty(`/v1/orgs/${org}/subscription/resume`, headers);
    expect(resume.statusCode, resume.body).toBe(202);
    expect(resume.json().pending_change.cancel_at_period_end).not.toBe(true);
  });

  it('marks a notification read, then all of them', async () => {
    const org = await h.createOrg();
    const admin = await h.db.selectFrom('memberships').select('user_id').where('org_id', '=', org).executeTakeFirstOrThrow();
    const notification = (index: number) => ({
      org_id: org,
      notification_id: `ntf_empty_${index}`,
      event_id: `evt_empty_${index}`,
      user_id: admin.user_id,
      type: 'balance.low',
      title: `Notice ${index}`,
      body: 'Body',
      created_at: h.clock.now(),
      read_at: null,
    });
    await h.db.insertInto('notifications').values([notification(1), notification(2)]).execute();
    const one = await postEmpty(`/v1/orgs/${org}/notifications/ntf_empty_1/read`, headers);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toEqual({ unread_count: 1 });
    const all = await postEmpty(`/v1/orgs/${org}/notifications/read-all`, headers);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json()).toEqual({ unread_count: 0 });
  });

  it('on a route that needs a body: 422 naming every missing field, nothing recorded', async () => {
    const org = await h.createOrg();
    const response = await postEmpty(`/v1/orgs/${org}/ai/usage`, headers);
    expect(response.statusCode, response.body).toBe(422);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json() as { code: string; errors: Record<string, string[]> };
    expect(problem.code).toBe('VALIDATION_FAILED');
    for (const field of ['idempotency_key', 'user_id', 'feature', 'action', 'tokens']) expect(problem.errors[field]).toEqual(['is required']);
    expect(await h.db.selectFrom('usage_records').select('org_id').where('org_id', '=', org).execute()).toEqual([]);
  });
});

describe('bodies that are not empty', () => {
  it('a JSON body is still parsed and checked', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: 'k-1', user_id: 'u', feature: 'assistant', action: 'chat', tokens: 1_000 });
    expect(response.statusCode, response.body).toBe(201);
    await h.expectCleanAudit();
  });

  it('a non-JSON body is still refused with 415, on a body-less route too', async () => {
    const org = await h.createOrg();
    const hold = await authorize(h, org);
    for (const url of [`/v1/orgs/${org}/ai/usage`, `/v1/orgs/${org}/ai/holds/${hold.hold_id}/release`]) {
      const form = await h.api('POST', url, 'tokens=5', { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.statusCode, form.body).toBe(415);
      expect(form.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    // The hold was not released by the refused requests.
    expect((await h.db.selectFrom('holds').select('status').where('hold_id', '=', hold.hold_id!).executeTakeFirstOrThrow()).status).toBe('active');
  });

  it('malformed JSON and prototype poisoning are still 400 INVALID_JSON', async () => {
    const org = await h.createOrg();
    for (const raw of ['{"tokens": ', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}']) {
      const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, raw, { ...AUTH, 'content-type': 'application/json' });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().code).toBe('INVALID_JSON');
    }
  });
});

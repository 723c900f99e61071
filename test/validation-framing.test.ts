import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { expectInvalid, expectProblem, expectRefused } from './support/problems.js';
import { AUTH, JSON_HEADERS, KIB, usageBody, BODY_ENDPOINTS, ORG_ENDPOINTS, orgProbes } from './support/validation.js';

/**
 * "Every endpoint validates its body, query and path: wrong types, missing fields, negative or
 * fractional tokens, tokens above a sane limit (100,000,000), unknown feature, unknown org,
 * oversized bodies (limit 64 KiB), malformed JSON → 4xx problem+json naming every bad field.
 * Never a 500, never a partial write." (SPEC)
 *
 * This file: how a body arrives — malformed or oversized JSON, content types, nesting, prototype keys,
 * unknown orgs and router errors — on every endpoint that takes one.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());
const { snapshot, expectNothingCharged } = orgProbes(() => h);

describe('request framing, on every endpoint with a body', () => {
  it.each(BODY_ENDPOINTS)('$name: malformed JSON is a 400 INVALID_JSON and changes nothing', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    for (const raw of ['{"tokens": ', '{bad json}', "{'single': 'quotes'}", '{"a":1,}', '{"a":1}{"b":2}', 'undefined']) {
      expectProblem(await h.api(method, path(org), raw, JSON_HEADERS), 400, 'INVALID_JSON');
    }
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: an empty JSON body is no body: a 422 naming what is missing, nothing changes', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const problem = expectProblem(await h.api(method, path(org), '', JSON_HEADERS), 422, 'VALIDATION_FAILED');
    expect(Object.keys(problem.errors ?? {}).length).toBeGreaterThan(0);
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a body over 64 KiB is a 413 PAYLOAD_TOO_LARGE and changes nothing', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const oversized = JSON.stringify({ ...body(), padding: 'x'.repeat(64 * KIB) });
    expectProblem(await h.api(method, path(org), oversized, JSON_HEADERS), 413, 'PAYLOAD_TOO_LARGE');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a body just under 64 KiB is read, and its unknown field named', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const large = JSON.stringify({ ...body(), padding: 'x'.repeat(60 * KIB) });
    expectInvalid(await h.api(method, path(org), large, JSON_HEADERS), 'padding');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a non-JSON content type is a 415 UNSUPPORTED_MEDIA_TYPE', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectProblem(await h.api(method, path(org), 'tokens=5', { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await h.api(method, path(org), '<tokens>5</tokens>', { ...AUTH, 'content-type': 'application/xml' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a text/plain body is refused with a problem and changes nothing', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectRefused(await h.api(method, path(org), JSON.stringify(body()), { ...AUTH, 'content-type': 'text/plain' }));
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: a JSON body that is not an object is a 422 naming body', async ({ method, path }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    for (const raw of ['[]', 'null', '"a string"', '42', 'true']) {
      expectInvalid(await h.api(method, path(org), raw, JSON_HEADERS), 'body');
    }
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: an unknown extra field is refused and named', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    expectInvalid(await h.api(method, path(org), { ...body(), is_admin: true, __extra: 'x' }), 'is_admin', '__extra');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: 10,000 levels of nested arrays in a field are a 422, never a 500', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const valid = JSON.stringify(body());
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const raw = `{"nested":${deep},${valid.slice(1)}`;
    expectInvalid(await h.api(method, path(org), raw, JSON_HEADERS), 'nested');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: 10,000 levels of nested objects in a field are a 422, never a 500', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const valid = JSON.stringify(body());
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const raw = `{"nested":${deep},${valid.slice(1)}`;
    expectInvalid(await h.api(method, path(org), raw, JSON_HEADERS), 'nested');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(BODY_ENDPOINTS)('$name: prototype-poisoning keys are refused as invalid JSON', async ({ method, path, body }) => {
    const org = await h.createOrg();
    const before = await snapshot(org);
    const valid = JSON.stringify(body()).slice(1);
    expectProblem(await h.api(method, path(org), `{"__proto__":{"is_admin":true},${valid}`, JSON_HEADERS), 400, 'INVALID_JSON');
    expectProblem(await h.api(method, path(org), `{"constructor":{"prototype":{"is_admin":true}},${valid}`, JSON_HEADERS), 400, 'INVALID_JSON');
    expect(await snapshot(org)).toEqual(before);
  });

  it.each(ORG_ENDPOINTS)('$name: an unknown org is a 404 ORG_NOT_FOUND', async ({ method, path, body }) => {
    expectProblem(await h.api(method, path('no-such-org'), body()), 404, 'ORG_NOT_FOUND');
  });

  it.each(ORG_ENDPOINTS)('$name: an unknown org with a bad body is refused as not found or invalid, never a 500', async ({ method, path }) => {
    // Org routes check the org before the body (404); the platform-only grants route checks the body first (422).
    for (const body of [{ tokens: -1, feature: 'telepathy' }, undefined]) {
      const problem = expectRefused(await h.api(method, path('no-such-org'), body));
      expect(['ORG_NOT_FOUND', 'VALIDATION_FAILED']).toContain(problem.code);
    }
  });

  it('a body that claims more than 64 KiB in content-length is a 413 and nothing is charged', async () => {
    const org = await h.createOrg();
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, JSON.stringify(usageBody()), { ...JSON_HEADERS, 'content-length': String(64 * KIB + 1) });
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    await expectNothingCharged(org);
  });
});

describe('router errors', () => {
  it('router errors and non-JSON bodies answer problem+json', async () => {
    const org = await h.createOrg();
    expectProblem(await h.api('GET', '/v1/orgs/%E0%A4%A/balance'), 400, 'BAD_REQUEST');
    expectProblem(await h.api('GET', `/v1/orgs/${'x'.repeat(150)}/balance`), 414, 'URI_TOO_LONG');
    const text = await h.app.inject({ method: 'POST', url: `/v1/orgs/${org}/ai/usage`, headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'tokens=5' });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('an unknown org on a platform route is 404 even when the body is bad too', async () => {
    expectProblem(await h.api('POST', '/v1/orgs/no-such-org/grants', { credits: 'many' }), 404, 'ORG_NOT_FOUND');
  });
});

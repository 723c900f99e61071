import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { startHarness, PLATFORM_KEY, type Harness } from './support/harness.js';
import { addCard, CARDS, createOrgAt, purchase } from './support/billing.js';
import { authorize, balance, leavePlanCredits, record } from './support/metering.js';

/**
 * Tenant isolation, swept over every operation of the OpenAPI document whose path names an org:
 * org A's admin (and member) sessions on org B's org id and B's real sub-resource ids answer 404
 * (403 on the platform-only routes, which refuse any session before looking at the org) and leave
 * every row B owns as it was. The same calls on A's own org are reachable, so the sweep cannot pass
 * by answering 404 to everything.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  const dir = path.join(PROJECT_ROOT, 'test-artifacts', 'reliability');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'isolation.json'), `${JSON.stringify({ checks, operations: operations.length }, null, 2)}\n`);
  console.log(`isolation: ${checks} checks over ${operations.length} operations`);
  await h.close();
});
afterEach(() => h.expectCleanAudit());

// ---------------------------------------------------------------------------------------------
// The OpenAPI document, and bodies built from its schemas.

type Json = Record<string, unknown>;
interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  minLength?: number;
  minProperties?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  method: string;
  path: string;
  summary: string;
  parameters: Parameter[];
  body: JsonSchema | null;
  /** The route's declared access: org-member, org-admin or platform. */
  access: string;
  /** The platform key only (contract, grants): a session gets 403 before the org is looked at. */
  platformOnly: boolean;
}

const ajv = new Ajv({ strict: false, allErrors: true });
(addFormatsModule as unknown as (ajv: Ajv) => void)(ajv);

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${(sequence += 1)}-${Date.now()}`;

/** A small generator: required fields only, strings 'x', numbers at their minimum, enums' first value. */
function example(schema: JsonSchema): unknown {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return example(branches.find((branch) => branch.type !== 'null') ?? branches[0]!);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const names = [...(schema.required ?? [])];
      for (const name of Object.keys(properties)) if (names.length < (schema.minProperties ?? 0) && !names.includes(name)) names.push(name);
      return Object.fromEntries(names.map((name) => [name, example(properties[name] ?? {})]));
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => example(schema.items ?? {}));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'email') return `${unique('x')}@example.com`;
      if (schema.format === 'date-time') return h.clock.now().toISOString();
      if (schema.format === 'uri') return 'https://example.com/hook';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return 'x';
  }
}

/**
 * Good bodies for the writes whose generated minimum would be refused by the domain (or would not
 * change anything): each one, accepted, would visibly change the org it names.
 */
const GOOD_BODIES: Record<string, () => Json> = {
  'PATCH /v1/orgs/{org}': () => ({ name: 'Renamed by another tenant', billing_address: { country: 'DE' } }),
  'POST /v1/orgs/{org}/members': () => ({ email: `${unique('intruder')}@example.com`, name: 'Intruder', role: 'admin' }),
  'POST /v1/orgs/{org}/ai/authorize': () => ({ user_id: 'intruder', feature: 'assistant', action: 'chat', estimated_tokens: 1_000 }),
  'POST /v1/orgs/{org}/ai/usage': () => ({ idempotency_key: unique('usage'), user_id: 'intruder', feature: 'assistant', action: 'chat', tokens: 1_000 }),
  'POST /v1/orgs/{org}/grants': () => ({ source: 'promotional', credits: 1_000, reason: 'isolation probe' }),
  'PUT /v1/orgs/{org}/settings/ai-features': () => ({ modules: { assistant: false, reports: false } }),
  'PUT /v1/orgs/{org}/settings/on-demand': () => ({ enabled: true, monthly_limit_credits: 1_000 }),
  'PUT /v1/orgs/{org}/settings/notifications': () => ({ low_balance_threshold: 5, emails: ['intruder@example.com'] }),
  'PUT /v1/orgs/{org}/settings/auto-recharge': () => ({ enabled: true, threshold_credits: 100, amount_credits: 100 }),
  'POST /v1/orgs/{org}/payment-methods': () => ({ card_number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2030, cvc: '123' }),
  'POST /v1/orgs/{org}/credit-purchases': () => ({ credits: 100, idempotency_key: unique('purchase') }),
  'POST /v1/orgs/{org}/credit-purchases/{id}/refund': () => ({ credits: 10, reason: 'isolation probe', idempotency_key: unique('refund') }),
  'POST /v1/orgs/{org}/disputes/{id}/decide': () => ({ outcome: 'lost' }),
  'POST /v1/orgs/{org}/subscription/change': () => ({ plan: 'team' }),
  'PUT /v1/orgs/{org}/contract': () => ({ base_price_cents: 1, included_credits: 1, included_users: 1 }),
  'POST /v1/orgs/{org}/webhook-endpoints': () => ({ url: 'http://127.0.0.1:9/intruder', events: ['balance.low'] }),
};

const keyOf = (operation: Pick<Operation, 'method' | 'path'>) => `${operation.method} ${operation.path}`;

function bodyFor(operation: Operation): Json | undefined {
  if (!operation.body) return undefined;
  const good = GOOD_BODIES[keyOf(operation)];
  const body = (good ? good() : example(operation.body)) as Json;
  // The body must be one the route would accept, or the sweep would prove nothing about writes.
  expect(ajv.validate(operation.body, body), `${keyOf(operation)} ${JSON.stringify(body)}: ${ajv.errorsText()}`).toBe(true);
  return body;
}

let operations: Operation[] = [];
let checks = 0;

async function loadOperations(): Promise<Operation[]> {
  const response = await h.api('GET', '/openapi.json', undefined, {});
  expect(response.statusCode).toBe(200);
  const doc = response.json() as { paths: Record<string, Record<string, { summary?: string; parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema: JsonSchema }> } }>> };
  const declared = routeAccess();
  const found: Operation[] = [];
  for (const [route, methods] of Object.entries(doc.paths)) {
    if (!route.includes('{org}')) continue;
    for (const [method, operation] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const summary = operation.summary ?? '';
      const access = declared.get(`${method.toUpperCase()} ${route}`);
      expect(access, `the access of ${method.toUpperCase()} ${route}`).toMatch(/^(org-member|org-admin|platform)$/);
      // The document says "(platform key)" exactly where the route is platform-only.
      expect(/\(platform key\)/.test(summary), `${method.toUpperCase()} ${route}: ${summary}`).toBe(access === 'platform');
      found.push({
        access: access!,
        method: method.toUpperCase(),
        path: route,
        summary,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
        platformOnly: access === 'platform',
      });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Two orgs with real resources.

interface Session {
  cookie: string;
  csrf: string;
}

interface Tenant {
  id: string;
  paymentMethodId: string;
  invoiceId: string;
  purchaseId: string;
  creditNoteId: string;
  disputeId: string;
  holdId: string;
  webhookEndpointId: string;
  notificationId: string;
  invitationId: string;
  memberUserId: string;
  admin: Session;
  member: Session;
}

async function login(email: string, password: string): Promise<Session> {
  const response = await h.api('POST', '/v1/auth/login', { email, password }, {});
  expect(response.statusCode, response.body).toBe(200);
  return { cookie: String(response.headers['set-cookie']).split(';')[0]!, csrf: (response.json() as { csrf_token: string }).csrf_token };
}

const asSession = (session: Session): Record<string, string> => ({ cookie: session.cookie, 'x-csrf-token': session.csrf });
const asPlatform = (): Record<string, string> => ({ authorization: `Bearer ${PLATFORM_KEY}` });

async function provision(): Promise<Tenant> {
  const id = await createOrgAt(h, { plan: 'starter', region: 'CA' });
  const card = await addCard(h, id);
  const bought = await purchase(h, id, 100);
  expect(bought.statusCode, bought.body).toBe(201);
  const { id: purchaseId, invoice_id: invoiceId } = bought.json() as { id: string; invoice_id: string };
  expect(invoiceId).toEqual(expect.any(String));
  const refunded = await h.api('POST', `/v1/orgs/${id}/credit-purchases/${purchaseId}/refund`, { credits: 10, reason: 'provisioning' });
  expect(refunded.statusCode, refunded.body).toBe(201);
  // A purchase with the disputed test card: its dispute opens at once.
  const disputedCard = await addCard(h, id, CARDS.disputed);
  expect((await purchase(h, id, 100, { payment_method_id: disputedCard.id })).statusCode).toBe(201);
  const [dispute] = ((await h.api('GET', `/v1/orgs/${id}/disputes`)).json() as { items: { id: string }[] }).items;
  await record(h, id, { tokens: 5_000 });
  await record(h, id, { tokens: 7_000, user_id: 'user-2' });
  const endpoint = await h.api('POST', `/v1/orgs/${id}/webhook-endpoints`, { url: 'http://127.0.0.1:9/hook' });
  expect(endpoint.statusCode, endpoint.body).toBe(201);
  const member = await h.api('POST', `/v1/orgs/${id}/members`, { email: `member@${id}.test`, name: 'Member', role: 'member', password: 'member-password' });
  expect(member.statusCode, member.body).toBe(201);
  const invited = await h.api('POST', `/v1/orgs/${id}/members`, { email: `invitee@${id}.test`, name: 'Invitee', role: 'member' });
  expect(invited.json().invitation, invited.body).not.toBeNull();
  // Below the low-balance line (10% of 2,000 included credits): the admin gets a notification.
  await leavePlanCredits(h, id, 50);
  expect((await balance(h, id)).low_balance).toBe(true);
  const hold = await authorize(h, id, { estimated_tokens: 1_000 });
  expect(hold.allowed, JSON.stringify(hold)).toBe(true);
  const notifications = await h.api('GET', `/v1/orgs/${id}/notifications`);
  const items = (notifications.json() as { items: { id: string }[] }).items;
  expect(items.length, notifications.body).toBeGreaterThan(0);
  return {
    id,
    paymentMethodId: card.id,
    invoiceId,
    purchaseId,
    creditNoteId: (refunded.json() as { credit_note_id: string }).credit_note_id,
    disputeId: dispute!.id,
    holdId: hold.hold_id!,
    webhookEndpointId: (endpoint.json() as { id: string }).id,
    notificationId: items[0]!.id,
    invitationId: (invited.json() as { invitation: { id: string } }).invitation.id,
    memberUserId: (member.json() as { user_id: string }).user_id,
    admin: await login(`admin@${id}.test`, 'admin-password'),
    member: await login(`member@${id}.test`, 'member-password'),
  };
}

/** The sub-resource a path parameter names, taken from `owner`. */
function subResourceId(operation: Operation, name: string, owner: Tenant): string {
  if (name === 'hold_id') return owner.holdId;
  if (name !== 'id') throw new Error(`${keyOf(operation)}: no fixture for the path parameter {${name}}; add one`);
  const collection = operation.path.split('/')[4];
  const ids: Record<string, string> = {
    invoices: owner.invoiceId,
    'payment-methods': owner.paymentMethodId,
    'webhook-endpoints': owner.webhookEndpointId,
    notifications: owner.notificationId,
    invitations: owner.invitationId,
    members: owner.memberUserId,
    'credit-purchases': owner.purchaseId,
    'credit-notes': owner.creditNoteId,
    disputes: owner.disputeId,
  };
  const found = ids[collection ?? ''];
  if (found === undefined) throw new Error(`${keyOf(operation)}: no fixture for {id} under ${collection}; add one`);
  return found;
}

const hasSubResource = (operation: Operation) => operation.parameters.some((parameter) => parameter.in === 'path' && parameter.name !== 'org');

interface Call {
  method: string;
  url: string;
  body: Json | undefined;
}

/** The operation on `orgId`, its sub-resources taken from `owner`, its required query filled in. */
function callFor(operation: Operation, orgId: string, owner: Tenant): Call {
  let url = operation.path.replace('{org}', encodeURIComponent(orgId));
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'path' && candidate.name !== 'org')) {
    url = url.replace(`{${parameter.name}}`, encodeURIComponent(subResourceId(operation, parameter.name, owner)));
  }
  const query = operation.parameters
    .filter((parameter) => parameter.in === 'query' && parameter.required)
    .map((parameter) => `${encodeURIComponent(parameter.name)}=${encodeURIComponent(String(parameter.name === 'credits' ? 100 : example(parameter.schema)))}`);
  if (query.length > 0) url += `?${query.join('&')}`;
  return { method: operation.method, url, body: bodyFor(operation) };
}

async function send(call: Call, headers: Record<string, string>): Promise<LightMyRequestResponse> {
  return h.app.inject({ method: call.method as 'GET', url: call.url, headers, ...(call.body === undefined ? {} : { payload: call.body }) });
}

/** The call and its answer, the org ids shown as A and B. */
function describeCall(call: Call, response: LightMyRequestResponse): string {
  const named = (text: string) => text.split(a.id).join('{A}').split(b.id).join('{B}');
  return `${call.method} ${named(call.url)}${call.body === undefined ? '' : ` ${named(JSON.stringify(call.body))}`} → ${response.statusCode} ${named(response.body.slice(0, 300))}`;
}

/**
 * Routes that answer 200 for a sub-resource id their org does not have (marking an unknown
 * notification read changes nothing; an unknown endpoint has no deliveries), instead of 404.
 */
const LENIENT_ON_UNKNOWN_IDS = new Set(['POST /v1/orgs/{org}/notifications/{id}/read', 'GET /v1/orgs/{org}/webhook-endpoints/{id}/deliveries']);

/** Destructive calls last, so that on A's own org they do not take away what the others use. */
const inSweepOrder = (list: Operation[]) => [...list.filter((operation) => operation.method !== 'DELETE'), ...list.filter((operation) => operation.method === 'DELETE')];

// ---------------------------------------------------------------------------------------------
// What B owns, before and after.

/** Every row of every table keyed on org_id, for one org, plus what the API shows of it. */
async function snapshot(tenant: Tenant) {
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND column_name = 'org_id'
    ORDER BY table_name`.execute(h.db);
  const rows: Record<string, unknown[]> = {};
  for (const { table_name } of tables.rows) {
    const result = await sql<Json>`SELECT * FROM ${sql.table(table_name)} WHERE org_id = ${tenant.id}`.execute(h.db);
    rows[table_name] = result.rows.map((row) => JSON.stringify(row)).sort();
  }
  const read = async (url: string) => {
    const response = await h.api('GET', `/v1/orgs/${tenant.id}${url}`);
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response.json() as Json;
  };
  const api = {
    org: await read(''),
    balance: await read('/balance'),
    aiFeatures: await read('/settings/ai-features'),
    onDemand: await read('/settings/on-demand'),
    notificationSettings: await read('/settings/notifications'),
    autoRecharge: await read('/settings/auto-recharge'),
    contract: await read('/contract'),
    paymentMethods: await read('/payment-methods'),
    disputes: await read('/disputes'),
    usage: await read('/usage?limit=500'),
    invoices: await read('/invoices?limit=500'),
    purchases: await read('/credit-purchases?limit=500'),
    webhookEndpoints: await read('/webhook-endpoints'),
    notifications: await read('/notifications?limit=500'),
    members: await read('/members'),
    invitations: await read('/invitations'),
  };
  return { rows, api };
}

async function expectUnchanged(tenant: Tenant, before: Awaited<ReturnType<typeof snapshot>>) {
  const after = await snapshot(tenant);
  expect(after.api, 'what the API shows of B').toEqual(before.api);
  expect(after.rows, 'every row B owns').toEqual(before.rows);
  checks += 2;
}

// ---------------------------------------------------------------------------------------------

let a: Tenant;
let b: Tenant;
let bBefore: Awaited<ReturnType<typeof snapshot>>;

describe('tenant isolation over every org operation', () => {
  beforeAll(async () => {
    operations = await loadOperations();
    a = await provision();
    b = await provision();
    bBefore = await snapshot(b);
  });

  it('the document lists the org operations, the platform-only ones named as such', () => {
    // Guards the sweep itself: a renamed or lost document would otherwise sweep nothing.
    expect(operations.length).toBeGreaterThanOrEqual(40);
    expect(operations.filter((operation) => operation.platformOnly).map(keyOf).sort()).toEqual([
      'GET /v1/orgs/{org}/contract',
      'POST /v1/orgs/{org}/credit-purchases/{id}/refund',
      'POST /v1/orgs/{org}/disputes/{id}/decide',
      'POST /v1/orgs/{org}/grants',
      'PUT /v1/orgs/{org}/contract',
    ]);
    // The fixture set-up gave B something behind each kind of sub-resource.
    expect(bBefore.api.usage.items).toHaveLength(2);
    expect((bBefore.api.invoices.items as unknown[]).length).toBeGreaterThan(0);
    expect((bBefore.api.notifications.items as unknown[]).length).toBeGreaterThan(0);
    expect((bBefore.api.webhookEndpoints.items as unknown[]).length).toBe(1);
    expect((bBefore.api.paymentMethods.items as unknown[]).length).toBe(2);
    expect(bBefore.api.disputes.items).toEqual([expect.objectContaining({ status: 'open', frozen_credits: 100 })]);
    expect((bBefore.api.members.items as unknown[]).length).toBe(3);
    expect(bBefore.api.balance.held).toBeGreaterThan(0);
    checks += 9;
  });

  for (const role of ['admin', 'member'] as const) {
    it(`A's ${role} session on B's org and B's resources: 404 everywhere (403 on the platform-only contract and grants routes, which refuse every session), and B is unchanged`, async () => {
      const headers = asSession(a[role]);
      const failures: string[] = [];
      for (const operation of inSweepOrder(operations)) {
        const call = callFor(operation, b.id, b);
        const response = await send(call, headers);
        checks += 1;
        // A session on a platform-only route is refused before the org is looked at: 403 (404 would do too).
        const expected = operation.platformOnly ? [403, 404] : [404];
        if (!expected.includes(response.statusCode)) failures.push(describeCall(call, response));
        else expect(response.json().code, describeCall(call, response)).toBe(response.statusCode === 403 ? 'FORBIDDEN' : 'ORG_NOT_FOUND');
      }
      expect(failures, failures.join('\n')).toEqual([]);
      await expectUnchanged(b, bBefore);
    });
  }

  it("A's org in the path, B's sub-resource ids (A's admin and member sessions, the platform key): never B's resource, and B is unchanged", async () => {
    const failures: string[] = [];
    const notes: string[] = [];
    const nested = inSweepOrder(operations.filter((operation) => hasSubResource(operation) && !operation.platformOnly));
    expect(nested.map(keyOf).sort()).toEqual([
      'DELETE /v1/orgs/{org}/invitations/{id}',
      'DELETE /v1/orgs/{org}/members/{id}',
      'DELETE /v1/orgs/{org}/payment-methods/{id}',
      'DELETE /v1/orgs/{org}/webhook-endpoints/{id}',
      'GET /v1/orgs/{org}/credit-notes/{id}',
      'GET /v1/orgs/{org}/credit-notes/{id}/pdf',
      'GET /v1/orgs/{org}/invoices/{id}',
      'GET /v1/orgs/{org}/invoices/{id}/pdf',
      'GET /v1/orgs/{org}/webhook-endpoints/{id}/deliveries',
      'PATCH /v1/orgs/{org}/members/{id}',
      'POST /v1/orgs/{org}/ai/holds/{hold_id}/release',
      'POST /v1/orgs/{org}/invoices/{id}/pay',
      'POST /v1/orgs/{org}/notifications/{id}/read',
      'POST /v1/orgs/{org}/payment-methods/{id}/default',
    ]);
    const callers = [
      ['admin session', asSession(a.admin)],
      ['member session', asSession(a.member)],
      ['platform key', asPlatform()],
    ] as const;
    for (const [caller, headers] of callers) {
      for (const operation of nested) {
        const call = callFor(operation, a.id, b);
        const response = await send(call, headers);
        checks += 1;
        if (response.statusCode === 404) continue;
        if (caller === 'member session' && operation.access === 'org-admin') {
          if (response.statusCode !== 403) failures.push(`${caller}: ${describeCall(call, response)}`);
          continue;
        }
        if (LENIENT_ON_UNKNOWN_IDS.has(keyOf(operation))) {
          // These routes answer 200 for any id A does not own. B's id must get exactly the answer an
          // id that exists nowhere gets: nothing of B's, and no way to tell that B's id exists.
          const nowhere = { ...call, url: call.url.replace(encodeURIComponent(subResourceId(operation, 'id', b)), 'zz_exists_nowhere') };
          const control = await send(nowhere, headers);
          checks += 1;
          if (control.statusCode !== response.statusCode || control.body !== response.body) failures.push(`${caller}: ${describeCall(call, response)} but an unknown id → ${control.statusCode} ${control.body}`);
          else notes.push(`${caller}: ${call.method} ${operation.path} with B's id → ${response.statusCode} ${response.body} (same as an unknown id)`);
          continue;
        }
        failures.push(`${caller}: ${describeCall(call, response)}`);
      }
      // Sub-resources named in the body: B's card for A's purchase, B's hold for A's usage.
      if (caller === 'member session') continue; // both writes are admin-only; the sweeps above cover the member
      for (const call of [
        { method: 'POST', url: `/v1/orgs/${a.id}/credit-purchases`, body: { credits: 100, idempotency_key: unique('foreign-card'), payment_method_id: b.paymentMethodId } },
        { method: 'POST', url: `/v1/orgs/${a.id}/ai/usage`, body: { idempotency_key: unique('foreign-hold'), hold_id: b.holdId, user_id: 'intruder', feature: 'assistant', action: 'chat', tokens: 1_000 } },
      ]) {
        const response = await send(call, headers);
        checks += 1;
        if (response.statusCode !== 404 && response.statusCode !== 422) failures.push(`${caller}: ${describeCall(call, response)}`);
      }
    }
    if (notes.length > 0) console.log(`not 404, but nothing of B's:\n${notes.join('\n')}`);
    expect(failures, failures.join('\n')).toEqual([]);
    await expectUnchanged(b, bBefore);
  });

  it("sanity: the same calls on A's own org and A's own resources are reachable (2xx; the member 403 on admin routes; sessions 403 on platform-only routes)", async () => {
    const failures: string[] = [];
    // The member first: its calls are reads and harmless writes; the admin's writes then change A.
    for (const role of ['member', 'admin'] as const) {
      for (const operation of inSweepOrder(operations)) {
        const call = callFor(operation, a.id, a);
        const response = await send(call, asSession(a[role]));
        checks += 1;
        const adminOnly = operation.access === 'org-admin';
        // Notifications belong to their user: the admin's notification is not the member's to mark read.
        const someoneElses = role === 'member' && operation.path.endsWith('/notifications/{id}/read');
        // A's invoice is paid already: "Pay now" reaches it and says there is nothing to pay.
        const paidAlready = role === 'admin' && operation.path.endsWith('/invoices/{id}/pay') && response.statusCode === 409 && response.json().code === 'INVOICE_NOT_OPEN';
        const ok = paidAlready
          ? true
          : someoneElses
          ? response.statusCode === 404
          : operation.platformOnly || (role === 'member' && adminOnly)
            ? response.statusCode === 403
            : response.statusCode >= 200 && response.statusCode < 300;
        if (!ok) failures.push(`${role}: ${describeCall(call, response)}`);
      }
    }
    // The platform-only routes, with the platform key on A: the bodies the sweep sent are good ones.
    for (const operation of operations.filter((candidate) => candidate.platformOnly)) {
      const call = callFor(operation, a.id, a);
      const response = await send(call, asPlatform());
      checks += 1;
      if (response.statusCode < 200 || response.statusCode >= 300) failures.push(`platform: ${describeCall(call, response)}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    // A's own changes did not reach B either.
    await expectUnchanged(b, bBefore);
  });
});

/**
 * Each route's `access`, read from its declaration in src/http/routes (the document does not carry
 * it): the sweep then knows which routes refuse members and which only the platform key may call.
 */
function routeAccess(): Map<string, string> {
  const dir = path.join(PROJECT_ROOT, 'src', 'http', 'routes');
  const access = new Map<string, string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const match of source.matchAll(/app\.(get|post|put|patch|delete)\('([^']+)',\s*\{\s*config:\s*\{\s*access:\s*'([a-z-]+)'/g)) {
      access.set(`${match[1]!.toUpperCase()} ${match[2]!.replace(/:(\w+)/g, '{$1}')}`, match[3]!);
    }
  }
  return access;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractChecker, type OpenApiDocument } from './support/contract.js';
import { startHarness, type Harness } from './support/harness.js';

/**
 * What the OpenAPI document guarantees (issue 18, points 9 and 11): every answer the server gives is
 * listed, with its media type and schema; failures are application/problem+json; public routes need
 * no credentials; every operation has a unique operationId. The harness checks every answer of the
 * whole suite against the document (test/support/contract.ts); here the checker itself is shown to
 * catch a document that is wrong.
 */

interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: { in: string; name: string }[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Document = OpenApiDocument & { info: { license?: { name: string; identifier?: string } }; servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };

let h: Harness;
let document: Document;
let org: string;
beforeAll(async () => {
  h = await startHarness();
  document = (await h.api('GET', '/openapi.json', undefined, {})).json() as Document;
  org = await h.createOrg();
});
afterAll(() => h.close());

const NO_AUTH: Record<string, string> = {};
const operations = () => Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, method, operation })));

describe('the OpenAPI document', () => {
  it('names its license (the package’s) and the server it is served from', async () => {
    const { license } = (await import('../package.json', { with: { type: 'json' } })).default;
    expect(document.info.license).toEqual({ name: license, identifier: license });
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('gives every operation a unique camelCase operationId', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.paths['/v1/orgs/{org}/invoices/{id}/pdf']?.get?.operationId).toBe('getOrgInvoicePdf');
    expect(document.paths['/v1/orgs/{org}/ai/usage']?.post?.operationId).toBe('postOrgAiUsage');
  });

  it('documents every 4xx and 5xx as application/problem+json with the Problem schema, never application/json', () => {
    for (const { name, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        expect(response.content, `${name} ${status}`).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
      }
    }
  });

  it('lists on every operation the answers its layers give: 400, 401, 500 and 503 everywhere; 413 and 415 with a body; 414 and 404 on id routes; 422 where validation can answer', () => {
    for (const { name, path, method, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      expect(statuses, name).toEqual(expect.arrayContaining(['400', '401', '500', '503']));
      if (method !== 'get') expect(statuses, name).toEqual(expect.arrayContaining(['413', '415']));
      if (path.includes('{')) expect(statuses, name).toEqual(expect.arrayContaining(['404', '414']));
      if (operation.requestBody !== undefined || (operation.parameters ?? []).length > 0) expect(statuses, name).toContain('422');
      expect(statuses.some((status) => status.startsWith('2')), `${name} lists a 2xx`).toBe(true);
    }
  });

  it('documents the PDFs, the CSV exports and the Stripe webhook with their success and failure answers', () => {
    const pdf = document.paths['/v1/orgs/{org}/invoices/{id}/pdf']!.get!.responses;
    expect(Object.keys(pdf['200']!.content!)).toEqual(['application/pdf']);
    expect(pdf['404']).toBeDefined();
    expect(Object.keys(document.paths['/v1/orgs/{org}/credit-notes/{id}/pdf']!.get!.responses['200']!.content!)).toEqual(['application/pdf']);
    const csv = document.paths['/v1/orgs/{org}/usage.csv']!.get!.responses;
    expect(Object.keys(csv['200']!.content!)).toEqual(['text/csv']);
    expect(csv['422']).toBeDefined();
    expect(Object.keys(document.paths['/v1/orgs/{org}/usage']!.get!.responses['200']!.content!)).toEqual(['application/json', 'text/csv']);
    expect(document.paths['/v1/webhooks/stripe']!.post!.responses['200']!.content!['application/json']).toBeDefined();
  });

  it('marks the routes that need no credentials with security: [], and only those', async () => {
    const publicOperations = operations().filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0).map(({ name }) => name);
    expect(publicOperations.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /v1/config',
        'GET /v1/plans',
        'GET /v1/test-clock',
        'POST /v1/auth/login',
        'POST /v1/invitations/preview',
        'POST /v1/invitations/accept',
        'POST /v1/webhooks/stripe',
      ].sort(),
    );
    for (const url of ['/healthz', '/readyz', '/metrics', '/v1/config', '/v1/plans', '/v1/test-clock']) {
      expect((await h.api('GET', url, undefined, NO_AUTH)).statusCode, url).toBe(200);
    }
  });
});

describe('a known path asked with a method it does not answer', () => {
  it.each([
    ['POST', '/v1/plans', 'GET, HEAD'],
    ['DELETE', '/healthz', 'GET, HEAD'],
    ['PUT', '/v1/orgs/some-org/balance', 'GET, HEAD'],
    ['GET', '/v1/orgs/some-org/ai/usage', 'POST'],
    ['PATCH', '/v1/orgs/some-org/settings/on-demand', 'GET, HEAD, PUT'],
  ])('%s %s answers 405 problem+json with Allow: %s', async (method, url, allow) => {
    const response = await h.api(method, url);
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
  });

  it('an unknown path still answers 404, whatever the method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const response = await h.api(method, '/v1/orgs/some-org/nothing-here');
      expect(response.statusCode).toBe(404);
      expect(response.headers.allow).toBeUndefined();
    }
  });
});

describe('the contract checker (every answer of the suite goes through it)', () => {
  /** The answer as the harness records it, from a real request. */
  const answerOf = async (method: string, url: string, body?: unknown) => {
    const response = await h.api(method, url, body);
    return { method, url, status: response.statusCode, contentType: response.headers['content-type'] as string | undefined, body: response.body };
  };
  const mutated = (change: (copy: Document) => void) => {
    const copy = structuredClone(document);
    change(copy);
    return new ContractChecker(copy);
  };

  it('finds nothing wrong with the answers the document describes', async () => {
    const checker = new ContractChecker(document);
    expect(checker.violationsOf(await answerOf('GET', `/v1/orgs/${org}/balance`))).toEqual([]);
    expect(checker.violationsOf(await answerOf('GET', '/v1/orgs/no-such-org/balance'))).toEqual([]);
    expect(checker.violationsOf(await answerOf('POST', `/v1/orgs/${org}/ai/usage`, { tokens: -1 }))).toEqual([]);
  });

  it('reports a status the document does not list for the operation', async () => {
    const checker = mutated((copy) => delete copy.paths['/v1/orgs/{org}/balance']!.get!.responses['404']);
    expect(checker.violationsOf(await answerOf('GET', '/v1/orgs/no-such-org/balance'))).toEqual([expect.stringContaining('answered 404, which the document does not list')]);
  });

  it('reports a failure documented as application/json', async () => {
    const checker = mutated((copy) => {
      const responses = copy.paths['/v1/orgs/{org}/ai/usage']!.post!.responses;
      responses['422'] = { content: { 'application/json': responses['422']!.content!['application/problem+json']! } };
    });
    expect(checker.violationsOf(await answerOf('POST', `/v1/orgs/${org}/ai/usage`, { tokens: -1 }))).toEqual([expect.stringContaining('not application/json as the document says')]);
  });

  it('reports a body its schema refuses: a field of the wrong type, a required field missing', async () => {
    const answer = await answerOf('GET', `/v1/orgs/${org}/balance`);
    const schemaOf = (copy: Document) => copy.paths['/v1/orgs/{org}/balance']!.get!.responses['200']!.content!['application/json']!.schema as { properties: Record<string, unknown>; required: string[] };
    const wrongType = mutated((copy) => void (schemaOf(copy).properties.available = { type: 'string' }));
    expect(wrongType.violationsOf(answer)).toEqual([expect.stringMatching(/body the document's schema refuses: \/available must be string/)]);
    const missing = mutated((copy) => void schemaOf(copy).required.push('no_such_field'));
    expect(missing.violationsOf(answer)).toEqual([expect.stringContaining("must have required property 'no_such_field'")]);
  });

  it('reports a problem that is not a Problem, through the shared component', async () => {
    const checker = mutated((copy) => void (copy.components!.schemas!.Problem as { required: string[] }).required.push('instance'));
    expect(checker.violationsOf(await answerOf('GET', '/v1/orgs/no-such-org/balance'))).toEqual([expect.stringContaining("must have required property 'instance'")]);
  });

  it('binds a path or method the document lacks only in its failures: they must still be problems', async () => {
    const checker = mutated((copy) => delete copy.paths['/v1/plans']!.get);
    expect(checker.violationsOf(await answerOf('GET', '/v1/plans'))).toEqual([]);
    const failing = mutated((copy) => delete copy.paths['/v1/orgs/{org}/balance']!.get);
    expect(failing.violationsOf({ method: 'GET', url: '/v1/orgs/x/balance', status: 404, contentType: 'application/json', body: '{}' })).toEqual([expect.stringContaining('not application/problem+json')]);
  });
});

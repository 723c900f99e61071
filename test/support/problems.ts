import { expect } from 'vitest';

/** What a test reads of an HTTP answer: light-my-request's response and the harness's both fit. */
export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json: () => unknown;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: Record<string, string[]>;
}

/** A problem+json answer with `status` and `code`, whose `errors` names every field in `fields`. */
export function expectProblem(response: Answer, status: number, code: string, fields: readonly string[] = []): Problem {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  const problem = response.json() as Problem;
  expect(problem).toMatchObject({ status, code });
  for (const key of ['type', 'title', 'detail'] as const) {
    expect(typeof problem[key], key).toBe('string');
    expect(problem[key].length, key).toBeGreaterThan(0);
  }
  if (fields.length > 0) {
    expect(Object.keys(problem.errors ?? {}), response.body).toEqual(expect.arrayContaining([...fields]));
    for (const field of fields) expect(problem.errors?.[field]?.length, `a message for ${field}`).toBeGreaterThan(0);
  }
  return problem;
}

/** A 422 VALIDATION_FAILED naming every field in `fields`. */
export const expectInvalid = (response: Answer, ...fields: string[]) => expectProblem(response, 422, 'VALIDATION_FAILED', fields);

/** Any 4xx problem+json: the request was refused, and said so in the contract's shape. */
export function expectRefused(response: Answer): Problem {
  expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, response.body).toBeLessThan(500);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  const problem = response.json() as Problem;
  expect(problem).toMatchObject({ status: response.statusCode, code: expect.any(String), type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  return problem;
}

import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Harness } from './harness.js';

/** A signed-in browser: its session cookie and CSRF token. */
export interface Session {
  readonly cookie: string;
  readonly csrf: string;
}

export function sessionFrom(response: LightMyRequestResponse): Session {
  expect(response.statusCode, response.body).toBe(200);
  const setCookie = String(response.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, csrf: (response.json() as { csrf_token: string }).csrf_token };
}

export async function signIn(h: Harness, email: string, password: string): Promise<Session> {
  return sessionFrom(await h.api('POST', '/v1/auth/login', { email, password }, {}));
}

/** Headers of a request made by that browser (with the CSRF token, as the web app sends it). */
export function as(session: Session): Record<string, string> {
  return { cookie: session.cookie, 'x-csrf-token': session.csrf };
}
